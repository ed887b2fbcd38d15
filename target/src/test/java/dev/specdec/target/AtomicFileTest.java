package dev.specdec.target;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specdec.kernels.GgmlType;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files written whole or not at all, with the permissions the umask gives, and errors that name the file asked for. */
class AtomicFileTest {

    @Test
    void writesWithTheUmasksPermissionsAndLeavesNothingBehind(@TempDir Path dir) throws IOException {
        String normal =
                PosixFilePermissions.toString(Files.getPosixFilePermissions(Files.createFile(dir.resolve("plain"))));
        Path out = dir.resolve("a.bin");
        AtomicFile.write(out, false, os -> os.write(new byte[] {1, 2, 3}));
        assertEquals(3, Files.size(out));
        assertEquals(normal, PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
        assertThrows(IOException.class, () -> AtomicFile.write(out, false, os -> os.write(9)), "must not overwrite");
        AtomicFile.write(out, true, os -> os.write(9));
        assertEquals(1, Files.size(out));
        // a failing writer leaves the old file as it was and no temporary file
        assertThrows(
                IOException.class,
                () -> AtomicFile.write(out, true, os -> {
                    os.write(new byte[100]);
                    throw new IOException("disk full");
                }));
        assertEquals(1, Files.size(out));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(2, s.count(), "no .partial file left");
        }
    }

    @Test
    void errorsNameTheFileAskedForNotTheTemporaryOne(@TempDir Path dir) throws IOException {
        Path notes = Files.writeString(dir.resolve("notes.txt"), "not a directory");
        Path out = notes.resolve("x.gguf");
        FileSystemException e =
                assertThrows(FileSystemException.class, () -> AtomicFile.write(out, false, os -> os.write(1)));
        assertEquals(out.toString(), e.getFile());
        assertFalse(e.getMessage().contains("partial"), e.getMessage());
        assertTrue(e.getMessage().toLowerCase().contains("not a directory"), e.getMessage());
    }

    @Test
    void writerReportsProgressUpToItsTensorBytes(@TempDir Path dir) throws IOException {
        GgufWriter w = ModelSynthesizer.writer(
                Architecture.LLAMA, ModelSynthesizer.shape("tiny"), GgmlType.Q8_0, 1, ModelSynthesizer.Options.DEFAULT);
        List<long[]> calls = new ArrayList<>();
        w.write(dir.resolve("t.gguf"), false, (done, total) -> calls.add(new long[] {done, total}));
        long total = w.tensorBytes();
        assertTrue(calls.size() > 10, "reported as it goes: " + calls.size());
        for (int i = 1; i < calls.size(); i++) assertTrue(calls.get(i)[0] > calls.get(i - 1)[0]);
        assertEquals(total, calls.getLast()[0]);
        assertEquals(total, calls.getLast()[1]);
        assertTrue(Files.size(dir.resolve("t.gguf")) > total, "header plus tensor data");
    }
}
