package dev.specdec.target;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.specdec.kernels.GgmlType;
import dev.specdec.kernels.Vectors;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The forward pass allocates nothing per token once warm (design invariant 4), at the vector width
 * this JVM runs: decode steps (one row: each format's fused dot or the decode-into-L1 dot) and 2-
 * and 5-row verification passes (the decode-once tile, Q8_0's pair kernel), for every tensor format,
 * with F32 and F16 KV caches. Measured with the JVM's per-thread allocation counter on
 * single-threaded sessions, so all work runs on the measured thread. An allocation here is the
 * Vector API's Java fallback (C2 failed to intrinsify a kernel), which also makes that kernel 5-10x
 * slower: this test is how a fallback at one width or in one format gets noticed.
 *
 * <p>All formats run in one JVM, interleaved, so their kernels share the JIT's type profiles as in a
 * process serving several models. The build runs this class in a JVM of its own once per vector
 * width (128, 256 and 512 bits, see target/pom.xml); a width the CPU only emulates (512 bits on an
 * AVX2 machine) is skipped with a message, since the Vector API's emulation allocates by design.
 */
class AllocationTest {

    /**
     * One layer of dim 256 (one K-quant super-block per row), grouped-query attention, ffn 768 (so
     * ffn_down rows span two chunks of the decode-into-L1 dot), vocab 320: small, so that warming
     * thirteen formats up costs seconds.
     */
    private static final ModelSynthesizer.Shape SHAPE =
            new ModelSynthesizer.Shape("alloc", 256, 1, 4, 2, 768, 320, 256);

    private static final int[] BATCHES = {1, 2, 5};
    private static final String[] KIND = {"decode step", "2-row pass", "5-row pass"};

    /** One model and its session, with buffers sized once. */
    private record Model(GgmlType type, ModelWeights weights, Transformer session, float[][] rows, int[] tokens) {}

    @Test
    void passesAllocateNothingAtThisVectorWidth(@TempDir Path dir) throws IOException {
        assumeFalse(
                Vectors.emulated(),
                () -> "skipped: " + Vectors.F.vectorBitSize() + "-bit vectors are emulated on this CPU (it runs "
                        + Vectors.NATIVE_BITS
                        + " bits natively), and the Vector API's Java emulation allocates by design");
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        List<Model> models = new ArrayList<>();
        try {
            for (GgmlType type : GgmlType.values()) {
                if (type.format() == null) continue;
                Path file = dir.resolve(type.name().toLowerCase() + ".gguf");
                ModelSynthesizer.write(Architecture.LLAMA, SHAPE, type, 7, file, null, false);
                ModelWeights w = ModelLoader.load(file);
                // every other model keeps its KV cache in F16 (the vectorized half widening of keys and values)
                KvCache.Type kv = models.size() % 2 == 0 ? KvCache.Type.F32 : KvCache.Type.F16;
                models.add(new Model(
                        type, w, w.newSession(SHAPE.context(), 1, kv), new float[5][SHAPE.vocab()], new int[5]));
            }
            // warm up, interleaved, until C2 has compiled the decode and batched paths of every format
            for (int round = 0; round < 150; round++) for (Model m : models) for (int b : BATCHES) step(m, b, round);
            // measure each (format, batch size); a compilation still under way can allocate once, a
            // kernel compiled with a Java fallback allocates every time: the best of three attempts
            long[][] best = new long[models.size()][BATCHES.length];
            for (long[] row : best) java.util.Arrays.fill(row, Long.MAX_VALUE);
            for (int attempt = 0; attempt < 3; attempt++) {
                for (int i = 0; i < models.size(); i++) {
                    Model m = models.get(i);
                    for (int k = 0; k < BATCHES.length; k++) {
                        long before = mx.getThreadAllocatedBytes(tid);
                        for (int r = 0; r < 20; r++) step(m, BATCHES[k], r);
                        best[i][k] = Math.min(best[i][k], mx.getThreadAllocatedBytes(tid) - before);
                    }
                }
                if (java.util.Arrays.stream(best)
                        .flatMapToLong(java.util.Arrays::stream)
                        .allMatch(v -> v == 0)) break;
                for (int round = 0; round < 50; round++) for (Model m : models) for (int b : BATCHES) step(m, b, round);
            }
            StringBuilder failures = new StringBuilder();
            for (int i = 0; i < models.size(); i++) {
                for (int k = 0; k < BATCHES.length; k++) {
                    if (best[i][k] != 0) {
                        failures.append(String.format(
                                "%n  %s, %s: %,d bytes per 20", models.get(i).type(), KIND[k], best[i][k]));
                    }
                }
            }
            assertTrue(failures.isEmpty(), "allocation in the forward pass (" + Vectors.describe() + "):" + failures);
        } finally {
            for (Model m : models) {
                m.session().close();
                m.weights().close();
            }
        }
    }

    /** One pass of b rows: a decode step that keeps the cache growing (wrapping before it fills), or b rows rolled back. */
    private static void step(Model m, int b, int salt) {
        Transformer t = m.session();
        if (t.cachedLength() + 8 > SHAPE.context()) t.truncate(0);
        int at = t.cachedLength();
        for (int j = 0; j < b; j++) m.tokens()[j] = (salt * 31 + j * 7 + 3) % SHAPE.vocab();
        t.forward(m.tokens(), b, at, m.rows());
        if (b > 1) t.truncate(at);
    }
}
