package dev.specdec.target;

import dev.specdec.kernels.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Copies of model files with one thing broken, for the tests of what loading and decoding do with
 * them: a byte of a tensor info flipped, a NaN or Inf written into a weight or a block scale.
 * Positions are found by parsing the original, never hard-coded.
 */
public final class CorruptCopies {
    private CorruptCopies() {}

    /**
     * Where one tensor's info and data are in a GGUF file.
     *
     * @param typeAt   file offset of the info's ggml type field (int32)
     * @param offsetAt file offset of the info's data offset field (uint64)
     * @param offset   the data offset the field holds (relative to the data section)
     * @param dataAt   file offset of the tensor's first byte
     */
    public record TensorInfo(Tensor tensor, int typeAt, int offsetAt, long offset, long dataAt) {}

    public static TensorInfo info(Path gguf, String name) {
        byte[] b = bytes(gguf);
        try (GgufFile f = GgufFile.open(gguf)) {
            Tensor t = f.requireTensor(name);
            // the info starts with the name as a length-prefixed string; the length makes the match exact
            byte[] n = name.getBytes(StandardCharsets.UTF_8);
            byte[] pattern = ByteBuffer.allocate(8 + n.length)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(n.length)
                    .put(n)
                    .array();
            int at = indexOf(b, pattern) + pattern.length;
            int typeAt = at + 4 + 8 * t.shape().length;
            long dataAt = f.fileOffset(t);
            return new TensorInfo(t, typeAt, typeAt + 4, dataAt - f.dataOffset(), dataAt);
        }
    }

    /** Writes {@code src}'s bytes, changed by {@code edit} (a little-endian buffer over them), to {@code dst}. */
    public static Path copy(Path src, Path dst, Consumer<ByteBuffer> edit) {
        byte[] b = bytes(src);
        edit.accept(ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN));
        try {
            return Files.write(dst, b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A copy with byte {@code at} XORed with {@code mask}: one flipped byte. */
    public static Path flipByte(Path src, Path dst, int at, int mask) {
        return copy(src, dst, bb -> bb.put(at, (byte) (bb.get(at) ^ mask)));
    }

    /**
     * A copy whose tensor {@code name} has NaN as the f16 scale of block {@code block}, for the
     * formats whose blocks start with it (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0; Q4_K and Q5_K: d, then dmin
     * at +2, which {@code at} = 2 selects).
     */
    public static Path withNaNScale(Path src, Path dst, String name, int block, int at) {
        TensorInfo i = info(src, name);
        long pos = i.dataAt() + (long) block * i.tensor().type().bytesPerBlock() + at;
        return copy(src, dst, bb -> bb.putShort(Math.toIntExact(pos), (short) 0x7E00)); // f16 quiet NaN
    }

    /** A copy with the F32 value at file offset {@code pos} replaced by {@code v}. */
    public static Path withFloatAt(Path src, Path dst, long pos, float v) {
        return copy(src, dst, bb -> bb.putFloat(Math.toIntExact(pos), v));
    }

    public static byte[] bytes(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int indexOf(byte[] b, byte[] pat) {
        outer:
        for (int i = 0; i + pat.length <= b.length; i++) {
            for (int j = 0; j < pat.length; j++) if (b[i + j] != pat[j]) continue outer;
            return i;
        }
        throw new IllegalStateException("pattern not found");
    }
}
