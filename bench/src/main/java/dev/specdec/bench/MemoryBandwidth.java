package dev.specdec.bench;

import dev.specdec.kernels.ComputePool;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * A STREAM-like read benchmark in Java: threads sum disjoint contiguous chunks of an array far
 * larger than the last-level cache, with the same pool the kernels use. Its best rate is the
 * bandwidth the decode numbers are compared with.
 */
public final class MemoryBandwidth {
    private MemoryBandwidth() {}

    private static final VectorSpecies<Long> L = LongVector.SPECIES_PREFERRED;

    /** Best read bandwidth in bytes per second over {@code reps} passes of {@code bytes} bytes. */
    public static double measure(int threads, long bytes, int reps) {
        int n = (int) Math.min(Integer.MAX_VALUE - 64, bytes / 8);
        long[] a = new long[n];
        for (int i = 0; i < n; i += 512) a[i] = i; // touch every page
        long[] sums = new long[threads * 16];
        double best = 0;
        try (ComputePool pool = new ComputePool(threads)) {
            for (int r = 0; r < reps; r++) {
                long t0 = System.nanoTime();
                pool.parallelFor(threads, (from, to) -> {
                    for (int c = from; c < to; c++) {
                        int start = (int) ((long) n * c / threads), end = (int) ((long) n * (c + 1) / threads);
                        LongVector acc0 = LongVector.zero(L), acc1 = LongVector.zero(L);
                        int i = start, step = L.length();
                        for (; i + 2 * step <= end; i += 2 * step) {
                            acc0 = acc0.add(LongVector.fromArray(L, a, i));
                            acc1 = acc1.add(LongVector.fromArray(L, a, i + step));
                        }
                        long s = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
                        for (; i < end; i++) s += a[i];
                        sums[c * 16] = s;
                    }
                });
                double secs = (System.nanoTime() - t0) / 1e9;
                best = Math.max(best, 8.0 * n / secs);
            }
        }
        long check = 0;
        for (long s : sums) check += s;
        if (check == 42) System.out.print(""); // keep the sums alive
        return best;
    }
}
