package dev.specdec.target;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link LoadOptions#checkTensors}: a NaN or Inf weight or block scale is named at load, not met as garbage later. */
class TensorCheckTest {
    static final LoadOptions CHECK = LoadOptions.DEFAULT.withCheckTensors(true);

    @TempDir
    Path dir;

    private String checkError(Path p) {
        return assertThrows(
                        ModelFormatException.class,
                        () -> ModelLoader.load(p, CHECK).close())
                .getMessage();
    }

    @Test
    void aNaNBlockScaleIsNamedWithTensorBlockAndElement() {
        Path src = TestData.model("llama2-spm-d256-q8_0.gguf");
        var q = CorruptCopies.info(src, "blk.0.attn_q.weight");
        Path p = CorruptCopies.withNaNScale(src, dir.resolve("nan-scale.gguf"), "blk.0.attn_q.weight", 11, 0);
        ModelLoader.load(p).close(); // loads without the check: that is what the check is for
        assertEquals(
                p + " at offset " + (q.dataAt() + 11 * 34)
                        + ", tensor 'blk.0.attn_q.weight': Q8_0 [256, 256]: block 11 decodes to NaN "
                        + "at element 352 (row 1, column 96): the block's scale or min is not finite",
                checkError(p));
    }

    @Test
    void aNaNMinOfAKQuantIsFound() {
        Path src = TestData.model("llama2-spm-d256-q4_k_m.gguf");
        var q = CorruptCopies.info(src, "blk.1.attn_q.weight");
        Path p = CorruptCopies.withNaNScale(
                src, dir.resolve("nan-min.gguf"), "blk.1.attn_q.weight", 3, 2); // dmin of block 3
        assertEquals(
                p + " at offset " + (q.dataAt() + 3 * 144)
                        + ", tensor 'blk.1.attn_q.weight': Q4_K [256, 256]: block 3 decodes to NaN "
                        + "at element 768 (row 3, column 0): the block's scale or min is not finite",
                checkError(p));
    }

    @Test
    void anInfiniteF32WeightIsNamedWithItsElement() {
        Path src = TestData.model("llama2-spm-tiny.gguf");
        var out = CorruptCopies.info(src, "output.weight");
        Path p = CorruptCopies.withFloatAt(
                src, dir.resolve("inf.gguf"), out.dataAt() + 4 * 1000, Float.POSITIVE_INFINITY);
        assertEquals(
                p + " at offset " + (out.dataAt() + 4000)
                        + ", tensor 'output.weight': F32 [64, 512] holds Infinity at element 1000 "
                        + "(row 15, column 40)",
                checkError(p));
    }

    @Test
    void llama2cCheckpointsAreCheckedToo() {
        // stories260K.bin: a 28-byte header, then token_embd.weight [64, 512] as F32
        Path p = CorruptCopies.withFloatAt(
                TestData.model("stories260K.bin"), dir.resolve("nan.bin"), 28 + 4 * 70, Float.NaN);
        assertEquals(
                p + " at offset " + (28 + 4 * 70)
                        + ", tensor 'token_embd.weight': F32 [64, 512] holds NaN at element 70 (row 1, column 6)",
                checkError(p));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "llama2-spm-d256-f16.gguf",
                "llama2-spm-d256-q2_k.gguf",
                "llama2-spm-d256-q3_k_m.gguf",
                "llama2-spm-d256-q5_1.gguf",
                "llama2-spm-d256-q6_k.gguf",
                "gemma2-spm-tiny.gguf",
                "stories260K.bin"
            })
    void healthyModelsPass(String name) {
        ModelLoader.load(TestData.model(name), CHECK).close();
    }
}
