package dev.specdec.target;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.specdec.kernels.NativeKernels;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * On the native kernels, batched passes (verification-sized and one decode row) of models of four
 * formats, interleaved in one JVM, allocate nothing: the question the Java kernels leave open
 * (C2 falling back to allocating Vector API code after several formats) must not exist here.
 */
class NativeBatchAllocationTest {

    @Test
    void batchedPassesOfFourFormatsInOneJvmAllocateNothing() {
        Assumptions.assumeTrue(NativeKernels.active(), "native kernels not active: " + NativeKernels.describe());
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        List<ModelWeights> weights = new ArrayList<>();
        List<Transformer> sessions = new ArrayList<>();
        try {
            for (String f : List.of(
                    "llama2-spm-d256-q8_0.gguf",
                    "llama2-spm-d256-q4_0.gguf",
                    "llama2-spm-d256-q4_k_m.gguf",
                    "llama2-spm-d256-f16.gguf")) {
                ModelWeights w = ModelLoader.load(TestData.model(f));
                weights.add(w);
                sessions.add(w.newSession(512, 1, KvCache.Type.F32)); // one thread: all work on the measured thread
            }
            int vocab = weights.get(0).config().vocabSize();
            int[] rows = {5, 1, 9, 2};
            float[][] logits = new float[9][vocab];
            int[] tokens = new int[9];
            Runnable round = () -> {
                for (int m = 0; m < sessions.size(); m++) {
                    Transformer t = sessions.get(m);
                    for (int b : rows) {
                        if (t.cachedLength() + b > 500) t.truncate(0);
                        for (int i = 0; i < b; i++) tokens[i] = (t.cachedLength() * 7 + i * 13) % vocab;
                        t.forward(tokens, b, t.cachedLength(), logits);
                    }
                }
            };
            for (int i = 0; i < 300; i++) round.run(); // warm-up: C2 compiles the Java parts of the pass
            long allocated = Long.MAX_VALUE, deadline = System.nanoTime() + 60_000_000_000L;
            while (allocated != 0 && System.nanoTime() < deadline) { // until a clean window (see AllocationTest)
                long before = mx.getThreadAllocatedBytes(tid);
                for (int i = 0; i < 20; i++) round.run();
                allocated = mx.getThreadAllocatedBytes(tid) - before;
            }
            assertEquals(0, allocated, "bytes allocated by 20 rounds of 4 models x passes of 5, 1, 9 and 2 rows");
        } finally {
            sessions.forEach(Transformer::close);
            weights.forEach(ModelWeights::close);
        }
    }
}
