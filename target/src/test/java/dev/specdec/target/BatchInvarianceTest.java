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
    @ValueSource(
            strings = {
                "llama2-spm-tiny.gguf",
                "llama3-bpe-gqa-tiny.gguf",
                "qwen2-bpe-tiny.gguf",
                "gemma-spm-tiny.gguf",
                "gemma2-spm-tiny.gguf",
                "phi3-spm-tiny.gguf",
                "llama2-spm-d256-q4_k_m.gguf",
                "llama2-spm-d256-q8_0.gguf",
                "llama2-spm-d256-f16.gguf",
                "stories260K.gguf"
            })
    void logitsAreBitwiseTheSameAloneOrInABatch(String model) {
        try (ModelWeights w = ModelLoader.load(TestData.model(model))) {
            int vocab = w.config().vocabSize();
            Random r = new Random(model.hashCode());
            int[] tokens = new int[48];
            for (int i = 0; i < tokens.length; i++) tokens[i] = r.nextInt(vocab);
            // reference: one token per pass
            float[][] single = new float[tokens.length][vocab];
            try (Transformer m = w.newSession(128, 2, KvCache.Type.F32)) {
                for (int i = 0; i < tokens.length; i++)
                    m.forward(new int[] {tokens[i]}, 1, i, new float[][] {single[i]});
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
                            assertArrayEquals(
                                    single[pos + i], out[i], 0f, model + " batch " + batch + " position " + (pos + i));
                        }
                        pos += n;
                    }
                }
            }
        }
    }

    /**
     * Several sequences (sessions) in one multi-sequence pass: each gets bitwise the logits it gets
     * alone, whatever the others hold, with passes that split a sequence (more than 65 rows in all).
     */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "llama2-spm-tiny.gguf",
                "gemma2-spm-tiny.gguf",
                "phi3-spm-tiny.gguf",
                "qwen2-bpe-tiny.gguf",
                "llama2-spm-d256-q4_k_m.gguf"
            })
    void sequencesInOneMultiSequencePassGetTheirOwnLogits(String model) {
        try (ModelWeights w = ModelLoader.load(TestData.model(model));
                var pool = new dev.specdec.kernels.ComputePool(2)) {
            int vocab = w.config().vocabSize(), n = 4;
            Random r = new Random(model.hashCode() + 1);
            int[] prefixes = {0, 7, 30, 3},
                    counts = {1, 5, 40, 33}; // 79 rows: two passes, one sequence split across them
            int[][] prefix = new int[n][], step = new int[n][];
            for (int i = 0; i < n; i++) {
                prefix[i] = r.ints(prefixes[i], 0, vocab).toArray();
                step[i] = r.ints(counts[i], 0, vocab).toArray();
            }
            float[][][] alone = new float[n][][];
            for (int i = 0; i < n; i++) {
                try (Transformer m = w.newSession(128, pool)) {
                    if (prefixes[i] > 0) m.forward(prefix[i], prefixes[i], 0, null);
                    alone[i] = new float[counts[i]][vocab];
                    m.forward(step[i], counts[i], prefixes[i], alone[i]);
                }
            }
            Transformer[] ms = new Transformer[n];
            try {
                float[][][] together = new float[n][][];
                int[] positions = new int[n];
                for (int i = 0; i < n; i++) {
                    ms[i] = w.newSession(128, pool);
                    if (prefixes[i] > 0) ms[i].forward(prefix[i], prefixes[i], 0, null);
                    together[i] = new float[counts[i]][vocab];
                    together[i][0] = i == 2 ? null : together[i][0]; // a row that asks for no logits
                    positions[i] = prefixes[i];
                }
                Transformer.forwardMany(ms, step, counts, positions, together, n);
                for (int i = 0; i < n; i++) {
                    assertEquals(prefixes[i] + counts[i], ms[i].cachedLength());
                    for (int j = 0; j < counts[i]; j++) {
                        if (together[i][j] != null)
                            assertArrayEquals(alone[i][j], together[i][j], 0f, model + " sequence " + i + " row " + j);
                    }
                }
                // and the caches go on as if each had run alone
                float[][] next = new float[1][vocab], ref = new float[1][vocab];
                ms[1].forward(new int[] {3}, 1, prefixes[1] + counts[1], next);
                try (Transformer m = w.newSession(128, pool)) {
                    m.forward(prefix[1], prefixes[1], 0, null);
                    m.forward(step[1], counts[1], prefixes[1], null);
                    m.forward(new int[] {3}, 1, prefixes[1] + counts[1], ref);
                }
                assertArrayEquals(ref[0], next[0], 0f);
            } finally {
                for (Transformer m : ms) if (m != null) m.close();
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
            for (int[] arr : new int[][] {prefix, junk, next})
                for (int i = 0; i < arr.length; i++) arr[i] = r.nextInt(vocab);
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
