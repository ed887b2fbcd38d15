package dev.specdec.target;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
            // C2 compiles in the background: on a loaded machine some kernel may still run in C1
            // (which allocates Vector API boxes) after the warm-up, so measure windows of 200 steps
            // until one is clean or 60 s pass; an allocation on every step fails every window
            long allocated = Long.MAX_VALUE, deadline = System.nanoTime() + 60_000_000_000L;
            while (allocated != 0 && System.nanoTime() < deadline) {
                t.truncate(0);
                long before = mx.getThreadAllocatedBytes(tid);
                for (int i = 0; i < 200; i++) {
                    tok[0] = (i * 13) % vocab;
                    t.forward(tok, 1, t.cachedLength(), out);
                }
                allocated = mx.getThreadAllocatedBytes(tid) - before;
            }
            assertEquals(0, allocated, "bytes allocated by 200 decode steps");
        }
    }
}
