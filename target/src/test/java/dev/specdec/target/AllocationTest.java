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
}
