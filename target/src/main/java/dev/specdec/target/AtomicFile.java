package dev.specdec.target;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes a file whole or not at all: into a hidden temporary file beside it, then one atomic move.
 * The temporary file is created like any other file, so the user's umask applies to the result
 * ({@code Files.createTempFile} would make it 0600). Errors name the file asked for, never the
 * temporary one, so a user reads the path they gave.
 */
public final class AtomicFile {
    private AtomicFile() {}

    /** What goes into the file. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Writes {@code out}; refuses to replace an existing file unless {@code overwrite}. */
    public static void write(Path out, boolean overwrite, Content content) throws IOException {
        if (!overwrite && Files.exists(out))
            throw new FileAlreadyExistsException(out.toString(), null, "exists; not overwriting it");
        Path abs = out.toAbsolutePath();
        // same directory, so the move is a rename on one file system; hidden, so a listing does not show it
        Path tmp = abs.resolveSibling("." + abs.getFileName() + "."
                + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".partial");
        boolean moved = false;
        try {
            try (OutputStream os = new BufferedOutputStream(
                    Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), 1 << 20)) {
                content.writeTo(os);
            }
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            moved = true;
        } catch (FileSystemException e) {
            throw aboutTarget(out, e);
        } catch (IOException e) {
            throw new IOException(out + ": " + e.getMessage(), e); // e.g. "No space left on device"
        } finally {
            if (!moved) deleteQuietly(tmp);
        }
    }

    /** The same failure, told about the file the caller named. */
    private static IOException aboutTarget(Path out, FileSystemException e) {
        String reason = e instanceof AccessDeniedException
                ? "permission denied"
                : e instanceof NoSuchFileException
                        ? "its directory does not exist"
                        : e.getReason() != null ? e.getReason() : e.getClass().getSimpleName();
        FileSystemException r = new FileSystemException(out.toString(), null, reason);
        r.initCause(e);
        return r;
    }

    private static void deleteQuietly(Path tmp) {
        try {
            Files.deleteIfExists(tmp);
        } catch (IOException e) {
            // the write already failed and says why; a leftover hidden .partial file is the lesser problem
        }
    }
}
