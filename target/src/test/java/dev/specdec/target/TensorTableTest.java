package dev.specdec.target;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One byte flipped in a tensor info's offset or type field of a real (llama.cpp-quantized) model:
 * each used to load and compute garbage; now the tensors must tile the data section as llama.cpp
 * requires, and the error names the file, the tensor, the field and what was expected.
 *
 * <p>The Q8_0 model's tensors, in file order, include ... blk.0.attn_output.weight,
 * blk.0.attn_q.weight, blk.0.attn_v.weight ... and end with blk.1.ffn_up.weight (all Q8_0),
 * with F32 norms such as blk.0.attn_norm.weight between them.
 */
class TensorTableTest {
    static final Path Q8 = TestData.model("llama2-spm-d256-q8_0.gguf");

    @TempDir
    Path dir;

    private String loadError(Path p) {
        return assertThrows(
                        ModelFormatException.class, () -> ModelLoader.load(p).close())
                .getMessage();
    }

    @Test
    void aFlippedOffsetByteNamesTheTensorWithExpectedAndFound() {
        var q = CorruptCopies.info(Q8, "blk.0.attn_q.weight");
        Path p = CorruptCopies.flipByte(Q8, dir.resolve("offset.gguf"), q.offsetAt() + 1, 0x01);
        assertEquals(
                p + " at offset " + q.offsetAt() + ", tensor 'blk.0.attn_q.weight' offset: has offset "
                        + (q.offset() ^ 0x100) + ", expected " + q.offset()
                        + " (the end of tensor 'blk.0.attn_output.weight' rounded up to the alignment 32)",
                loadError(p));

        Path low = CorruptCopies.flipByte(Q8, dir.resolve("misaligned.gguf"), q.offsetAt(), 0x01);
        assertEquals(
                low + " at offset " + q.offsetAt() + ", tensor 'blk.0.attn_q.weight' offset: has offset "
                        + (q.offset() + 1)
                        + ", expected " + q.offset()
                        + " (the end of tensor 'blk.0.attn_output.weight' rounded up to the alignment 32; "
                        + (q.offset() + 1) + " is not a multiple of 32)",
                loadError(low));

        var first = CorruptCopies.info(Q8, "output.weight");
        Path high = CorruptCopies.flipByte(Q8, dir.resolve("first.gguf"), first.offsetAt() + 5, 0x40);
        assertEquals(
                high + " at offset " + first.offsetAt() + ", tensor 'output.weight' offset: has offset " + (1L << 46)
                        + ", expected 0 (the first tensor starts the data section)",
                loadError(high));
    }

    @Test
    void aFlippedTypeByteNamesTheTypeAndTheTypeThatFits() {
        var q = CorruptCopies.info(Q8, "blk.0.attn_q.weight");
        Path smaller = CorruptCopies.flipByte(Q8, dir.resolve("q4_0.gguf"), q.typeAt(), 8 ^ 2); // Q8_0 -> Q4_0
        assertEquals(
                smaller + " at offset " + q.typeAt()
                        + ", tensor 'blk.0.attn_q.weight' type: found Q4_0 (id 2) [256, 256] = 36864 bytes, "
                        + "but the next tensor 'blk.0.attn_v.weight' starts 69632 bytes after it; expected a type that fills 69632 bytes: "
                        + "Q8_0 (id 8) (a wrong type or shape)",
                loadError(smaller));
        Path larger = CorruptCopies.flipByte(Q8, dir.resolve("f16.gguf"), q.typeAt(), 8 ^ 1); // Q8_0 -> F16
        assertEquals(
                larger + " at offset " + q.typeAt()
                        + ", tensor 'blk.0.attn_q.weight' type: found F16 (id 1) [256, 256] = 131072 bytes, "
                        + "but the next tensor 'blk.0.attn_v.weight' starts 69632 bytes after it; expected a type that fills 69632 bytes: "
                        + "Q8_0 (id 8) (a wrong type or shape)",
                loadError(larger));

        var norm = CorruptCopies.info(Q8, "blk.0.attn_norm.weight");
        Path f16Norm = CorruptCopies.flipByte(Q8, dir.resolve("norm.gguf"), norm.typeAt(), 1); // F32 -> F16
        assertEquals(
                f16Norm + " at offset " + norm.typeAt()
                        + ", tensor 'blk.0.attn_norm.weight' type: found F16 (id 1) [256] = 512 bytes, "
                        + "but the next tensor 'blk.0.attn_output.weight' starts 1024 bytes after it; expected a type that fills 1024 bytes: "
                        + "F32 (id 0) (a wrong type or shape)",
                loadError(f16Norm));

        Path unknown = CorruptCopies.flipByte(Q8, dir.resolve("unknown.gguf"), q.typeAt(), 8 ^ 99);
        assertEquals(
                unknown + " at offset " + q.typeAt()
                        + ", tensor 'blk.0.attn_q.weight' type: unknown ggml type id 99; expected one of "
                        + "F32 (0), F16 (1), Q4_0 (2), Q4_1 (3), Q5_0 (6), Q5_1 (7), Q8_0 (8), Q2_K (10), Q3_K (11), Q4_K (12), Q5_K (13), "
                        + "Q6_K (14), BF16 (30)",
                loadError(unknown));
    }

    @Test
    void theLastTensorMustEndWithTheFile() {
        var last = CorruptCopies.info(Q8, "blk.1.ffn_up.weight");
        Path smaller = CorruptCopies.flipByte(Q8, dir.resolve("last-q4_0.gguf"), last.typeAt(), 8 ^ 2);
        assertEquals(
                smaller + " at offset " + last.typeAt()
                        + ", tensor 'blk.1.ffn_up.weight' type: found Q4_0 (id 2) [256, 512] = 73728 bytes, "
                        + "but the last tensor's data runs 139264 bytes to the end of the file (at most 73728 with padding); expected a type "
                        + "that fills 139264 bytes: Q8_0 (id 8) (a wrong type or shape, or bytes appended to the file)",
                loadError(smaller));
        Path larger = CorruptCopies.flipByte(Q8, dir.resolve("last-f16.gguf"), last.typeAt(), 8 ^ 1);
        assertEquals(
                larger + " at offset " + last.typeAt()
                        + ", tensor 'blk.1.ffn_up.weight' type: found F16 (id 1) [256, 512] = 262144 bytes, "
                        + "but only 139264 bytes follow its offset to the end of the file; expected a type that fills 139264 bytes: "
                        + "Q8_0 (id 8) (a wrong type or shape, or the file is truncated)",
                loadError(larger));
    }
}
