package dev.specdec.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Output files named on the command line, checked before the work starts (a benchmark that runs
 * for minutes and then cannot write its result has wasted them). Problems are bad input (exit 1)
 * and the message starts with the flag, then the path as the user gave it.
 */
final class OutputFiles {
    private OutputFiles() {}

    /**
     * Fails unless {@code out} can be written: its directory exists and is writable, it is not a
     * directory, it is none of the command's input files, and it does not exist unless
     * {@code mayReplace} (the command's --force, or a file that is rewritten by design).
     */
    static void check(String flag, Path out, boolean mayReplace, Path... inputs) {
        if (out == null) return;
        String what = flag + " " + out;
        if (Files.isDirectory(out)) throw new IllegalArgumentException(what + ": is a directory; give a file name");
        for (Path in : inputs) {
            if (in != null && same(in, out))
                throw new IllegalArgumentException(what + ": is an input of this command; not overwriting it");
        }
        Path dir = out.toAbsolutePath().getParent();
        if (dir != null) {
            Path given = out.getParent() != null ? out.getParent() : dir;
            if (!Files.exists(dir))
                throw new IllegalArgumentException(what + ": directory " + given + " does not exist");
            if (!Files.isDirectory(dir))
                throw new IllegalArgumentException(what + ": " + given + " is not a directory");
            if (!Files.isWritable(dir))
                throw new IllegalArgumentException(what + ": permission denied (cannot write in " + given + ")");
        }
        if (Files.exists(out) && !mayReplace)
            throw new IllegalArgumentException(what + ": exists; use --force to overwrite it");
        if (Files.exists(out) && !Files.isWritable(out))
            throw new IllegalArgumentException(what + ": permission denied");
    }

    /** The same file: by identity when both exist (links, ./x and x), else by normalized path. */
    private static boolean same(Path a, Path b) {
        try {
            if (Files.exists(a) && Files.exists(b)) return Files.isSameFile(a, b);
        } catch (IOException e) {
            // cannot tell by identity; the paths decide
        }
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }
}
