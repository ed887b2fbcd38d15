package dev.specdec.target;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.specdec.kernels.GgmlType;
import dev.specdec.kernels.Tensor;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Phi-3 LongRoPE: the short factors apply up to the original context, the long ones beyond it,
 * exactly as frequency divisors (rope_freqs) would; the attention factor scales cos and sin.
 */
class LongRopeTest {

    static Path variant(Path dir, String name, Map<String, float[]> extraTensors, Map<String, GgufValue> extraMeta)
            throws Exception {
        Path out = dir.resolve(name);
        try (GgufFile f = GgufFile.open(TestData.model("phi3-spm-tiny.gguf"))) {
            GgufWriter w = new GgufWriter().putAll(f.metadata()).putAll(extraMeta);
            for (Tensor t : f.tensors().values()) w.addRawTensor(t.name(), t.type(), t.shape(), t.data());
            for (var e : extraTensors.entrySet())
                w.addTensor(e.getKey(), GgmlType.F32, new long[] {e.getValue().length}, e.getValue());
            w.write(out, false);
        }
        return out;
    }

    static float[] logits(Path model, int ctx) {
        try (ModelWeights w = ModelLoader.load(model);
                Transformer t = w.newSession(ctx, 1, KvCache.Type.F32)) {
            int[] tokens = {1, 20, 30, 40, 50, 60, 70, 80};
            float[][] out = new float[tokens.length][];
            out[tokens.length - 1] = new float[w.config().vocabSize()];
            t.forward(tokens, tokens.length, 0, out);
            return out[tokens.length - 1];
        }
    }

    @Test
    void shortAndLongFactorsActAsFrequencyDivisorsPerContext(@TempDir Path dir) throws Exception {
        int half = 8; // phi3-spm-tiny: head dim 16
        float[] shortF = new float[half], longF = new float[half];
        for (int i = 0; i < half; i++) {
            shortF[i] = 1 + 0.5f * i;
            longF[i] = 2 + 3f * i;
        }
        Map<String, GgufValue> meta = Map.of("phi3.rope.scaling.original_context_length", GgufValue.u32(64));
        Path longRope = variant(
                dir, "lr.gguf", Map.of("rope_factors_short.weight", shortF, "rope_factors_long.weight", longF), meta);
        Path asShort = variant(dir, "short.gguf", Map.of("rope_freqs.weight", shortF), Map.of());
        Path asLong = variant(dir, "long.gguf", Map.of("rope_freqs.weight", longF), Map.of());
        float[] base = logits(TestData.model("phi3-spm-tiny.gguf"), 64);
        float[] s = logits(longRope, 64), l = logits(longRope, 128);
        assertArrayEquals(logits(asShort, 64), s, 0f, "context <= original: the short factors");
        assertArrayEquals(logits(asLong, 128), l, 0f, "context > original: the long factors");
        assertFalse(Arrays.equals(base, s), "the factors must change the result");
        assertFalse(Arrays.equals(s, l));
        // an attention factor of 1 changes nothing; another value does
        Path one = variant(
                dir,
                "a1.gguf",
                Map.of("rope_factors_short.weight", shortF, "rope_factors_long.weight", longF),
                Map.of(
                        "phi3.rope.scaling.original_context_length",
                        GgufValue.u32(64),
                        "phi3.rope.scaling.attn_factor",
                        GgufValue.f32(1f)));
        Path other = variant(
                dir,
                "a2.gguf",
                Map.of("rope_factors_short.weight", shortF, "rope_factors_long.weight", longF),
                Map.of(
                        "phi3.rope.scaling.original_context_length",
                        GgufValue.u32(64),
                        "phi3.rope.scaling.attn_factor",
                        GgufValue.f32(1.19f)));
        assertArrayEquals(s, logits(one, 64), 0f);
        assertFalse(Arrays.equals(s, logits(other, 64)));
    }
}
