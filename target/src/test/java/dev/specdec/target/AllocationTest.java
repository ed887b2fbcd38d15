package dev.specdec.target;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * The decode loop allocates nothing per token once warm: measured with the JVM's per-thread
 * allocation counter on a single-threaded session (so all work runs on the measured thread).
 */
class AllocationTest {

    @Test
    void decodeStepsAllocateNothing() {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        try (ModelWeights w = ModelLoader.load(TestData.model("llama2-spm-d256-q4_k_m.gguf"));
             Transformer t = w.newSession(512, 1, KvCache.Type.F32)) {
            int vocab = w.config().vocabSize();
            float[][] out = {new float[vocab]};
            int[] tok = {1};
            for (int i = 0; i < 4000; i++) {          // warm up until C2 has compiled the hot loop
                if (t.cachedLength() >= 500) t.truncate(0);
                tok[0] = (i * 7) % vocab;
                t.forward(tok, 1, t.cachedLength(), out);
            }
            t.truncate(0);
            long before = mx.getThreadAllocatedBytes(tid);
            for (int i = 0; i < 200; i++) {
                tok[0] = (i * 13) % vocab;
                t.forward(tok, 1, t.cachedLength(), out);
            }
            long allocated = mx.getThreadAllocatedBytes(tid) - before;
            assertEquals(0, allocated, "bytes allocated by 200 decode steps");
        }
    }

    /**
     * Batched passes (verification of drafts) run other kernels: the pair kernels and the decode-once
     * tile. A Vector API operation that C2 fails to intrinsify runs Java fallback code that
     * allocates on every vector (megabytes per pass; it happened to vector-typed helpers above C2's
     * inline size), so this bounds the bytes per pass well below one such fallback while allowing
     * a rare one-off allocation by the runtime (seen: under 1 KB per pass on average, at most once).
     */
    @Test
    void batchedPassesDoNotFallBackToAllocatingCode() {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        for (String file : new String[] {"llama2-spm-d256-q8_0.gguf", "llama2-spm-d256-q4_0.gguf", "llama2-spm-d256-q4_k_m.gguf",
                "llama2-spm-d256-f16.gguf"}) {
            try (ModelWeights w = ModelLoader.load(TestData.model(file));
                 Transformer t = w.newSession(512, 1, KvCache.Type.F32)) {
                int vocab = w.config().vocabSize();
                for (int T : new int[] {2, 3, 5}) {
                    float[][] out = new float[T][vocab];
                    int[] tok = new int[T];
                    for (int i = 0; i < 1500; i++) {
                        if (t.cachedLength() + T >= 500) t.truncate(0);
                        for (int j = 0; j < T; j++) tok[j] = (i * 7 + j) % vocab;
                        t.forward(tok, T, t.cachedLength(), out);
                    }
                    t.truncate(0);
                    long before = mx.getThreadAllocatedBytes(tid);
                    for (int i = 0; i < 100; i++) {
                        for (int j = 0; j < T; j++) tok[j] = (i * 13 + j) % vocab;
                        t.forward(tok, T, t.cachedLength(), out);
                    }
                    long perPass = (mx.getThreadAllocatedBytes(tid) - before) / 100;
                    assertTrue(perPass < 1024, file + ": " + perPass + " bytes allocated per " + T + "-row pass");
                }
            }
        }
    }
}
