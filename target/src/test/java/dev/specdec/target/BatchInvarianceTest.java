package dev.specdec.target;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The invariants speculative decoding stands on: a position's logits are bitwise the same alone or
 * in a batch of up to 32 rows, and a truncated KV cache behaves as if it never saw the rolled-back
 * tokens.
 */
class BatchInvarianceTest {

    @ParameterizedTest
    @ValueSource(strings = {"llama2-spm-tiny.gguf", "llama3-bpe-gqa-tiny.gguf", "qwen2-bpe-tiny.gguf", "gemma-spm-tiny.gguf",
            "gemma2-spm-tiny.gguf", "phi3-spm-tiny.gguf", "llama2-spm-d256-q4_k_m.gguf", "llama2-spm-d256-q8_0.gguf",
            "llama2-spm-d256-f16.gguf", "stories260K.gguf"})
    void logitsAreBitwiseTheSameAloneOrInABatch(String model) {
        try (ModelWeights w = ModelLoader.load(TestData.model(model))) {
            int vocab = w.config().vocabSize();
            Random r = new Random(model.hashCode());
            int[] tokens = new int[48];
            for (int i = 0; i < tokens.length; i++) tokens[i] = r.nextInt(vocab);
            // reference: one token per pass
            float[][] single = new float[tokens.length][vocab];
            try (Transformer m = w.newSession(128, 2, KvCache.Type.F32)) {
                for (int i = 0; i < tokens.length; i++) m.forward(new int[] {tokens[i]}, 1, i, new float[][] {single[i]});
            }
            for (int batch : new int[] {2, 3, 5, 9, 17, 32}) {
                try (Transformer m = w.newSession(128, 2, KvCache.Type.F32)) {
                    int pos = 0;
                    while (pos < tokens.length) {
                        int n = Math.min(batch, tokens.length - pos);
                        int[] chunk = java.util.Arrays.copyOfRange(tokens, pos, pos + n);
                        float[][] out = new float[n][vocab];
                        m.forward(chunk, n, pos, out);
                        for (int i = 0; i < n; i++) {
                            assertArrayEquals(single[pos + i], out[i], 0f, model + " batch " + batch + " position " + (pos + i));
                        }
                        pos += n;
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama2-spm-tiny.gguf", "gemma2-spm-tiny.gguf", "qwen2-bpe-tiny.gguf"})
    void truncatedCacheEqualsAFreshOne(String model) {
        try (ModelWeights w = ModelLoader.load(TestData.model(model));
             Transformer a = w.newSession(128, 2, KvCache.Type.F32);
             Transformer b = w.newSession(128, 2, KvCache.Type.F32)) {
            int vocab = w.config().vocabSize();
            Random r = new Random(5);
            int[] prefix = new int[20], junk = new int[7], next = new int[6];
            for (int[] arr : new int[][] {prefix, junk, next}) for (int i = 0; i < arr.length; i++) arr[i] = r.nextInt(vocab);
            a.forward(prefix, prefix.length, 0, null);
            a.forward(junk, junk.length, prefix.length, null);
            a.truncate(prefix.length);
            assertEquals(prefix.length, a.cachedLength());
            b.forward(prefix, prefix.length, 0, null);
            float[][] la = new float[next.length][vocab], lb = new float[next.length][vocab];
            a.forward(next, next.length, prefix.length, la);
            b.forward(next, next.length, prefix.length, lb);
            for (int i = 0; i < next.length; i++) assertArrayEquals(lb[i], la[i], 0f, "row " + i);
        }
    }
}
