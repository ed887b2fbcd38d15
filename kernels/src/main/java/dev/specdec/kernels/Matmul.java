package dev.specdec.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.FloatVector;

/**
 * The batched matrix product of the forward pass: {@code Y[t] = W · X[t]} for T activation rows.
 * Every weight row is read from memory once for all T rows, in one sequential stream. Three paths:
 * <ul>
 * <li>one row (a decode step): the format's fused dot, which decodes in registers, where it has one
 *     that measured faster at this vector width ({@link TensorFormat#fusedDot});
 * <li>up to {@link TensorFormat#pairRows} rows, formats with a fused pair kernel (Q8_0): one
 *     decode per pair of activation rows, in registers;
 * <li>otherwise (prompts, long verifications, the other formats): four weight rows are decoded
 *     ONCE into a per-thread buffer and multiplied into all T rows through a 4 x 2 register tile,
 *     so each decoded vector and each activation vector is loaded once per tile.
 * </ul>
 * Which path wins was measured per format and T on weights far larger than the caches, 2 threads
 * (see the README's benchmark section). Work is split across threads by output rows.
 *
 * <p>Bitwise batch invariance: every path computes, for each row, the same products (decoded lane
 * times activation lane, decoded by the same code) into two accumulators alternating by lane chunk
 * in memory order, then {@link Vectors#sum} and a scalar tail. So a row's result never depends on T.
 */
public final class Matmul {
    private Matmul() {}

    /** Weight rows decoded and multiplied together, so each activation chunk is loaded once for all of them. */
    static final int ROW_BLOCK = 4;

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** Per-thread buffers, grown on demand: a block of decoded weight rows, decodedDot's chunk, two accumulators per (row, t). */
    private static final class Scratch {
        float[][] dec = new float[ROW_BLOCK][2048];
        final float[] chunk = new float[DOT_CHUNK];
        float[] acc = new float[ROW_BLOCK * 64 * 2 * 16];

        void ensure(int rows, int lanes, int in) {
            if (dec[0].length < in) dec = new float[ROW_BLOCK][in];
            if (acc.length < ROW_BLOCK * rows * 2 * lanes) acc = new float[ROW_BLOCK * rows * 2 * lanes];
        }
    }

    /**
     * @param w    weights, ggml shape [in, out] (out rows of in values)
     * @param x    T rows of {@code in} floats, row-major
     * @param y    T rows of {@code out} floats, row-major; row t gets W·x[t]
     * @param rows T
     */
    public static void matmul(ComputePool pool, Tensor w, float[] x, float[] y, int rows) {
        if (NativeKernels.supports(w.type())) {
            NativeTask task = NATIVE_TASKS.get();
            task.set(w, x, y, rows);
            pool.parallelFor(w.rows(), task);
            task.clear();
            return;
        }
        Task task = TASKS.get();
        task.set(w, x, y, rows);
        pool.parallelFor(w.rows(), task);
        task.clear();
    }

    /** One reusable task per calling thread: a capturing lambda would allocate on every call. */
    private static final ThreadLocal<Task> TASKS = ThreadLocal.withInitial(Task::new);

    private static final ThreadLocal<NativeTask> NATIVE_TASKS = ThreadLocal.withInitial(NativeTask::new);

    /**
     * The Java kernels' task. (Kept apart from {@link NativeTask}: a run() that also held the native
     * branch changed C2's inlining of the Vector API kernels, which then allocated on every step.)
     */
    private static final class Task implements ComputePool.RangeTask {
        private TensorFormat f;
        private MemorySegment data;
        private long rowBytes;
        private int in, out, rows;
        private float[] x, y;

        void set(Tensor w, float[] x, float[] y, int rows) {
            this.f = w.format();
            this.data = w.data();
            this.rowBytes = w.rowBytes();
            this.in = w.cols();
            this.out = w.rows();
            this.x = x;
            this.y = y;
            this.rows = rows;
        }

        void clear() {
            data = null;
            x = y = null;
        }

        @Override
        public void run(int start, int end) {
            if (rows == 1 && f.fusedDot()) {
                for (int r = start; r < end; r++) y[r] = f.dot(data, r * rowBytes, x, 0, in);
            } else if (rows <= f.pairRows()) {
                // few rows: one sequential pass over each weight row, decoded once per pair of rows
                for (int r = start; r < end; r++) {
                    int t = 0;
                    for (; t + 2 <= rows; t += 2) f.dot2(data, r * rowBytes, x, t * in, in, in, y, t * out + r, out);
                    if (t < rows) y[t * out + r] = f.dot(data, r * rowBytes, x, t * in, in);
                }
            } else {
                for (int r = start; r < end; r += ROW_BLOCK)
                    block(f, data, 0, r, Math.min(ROW_BLOCK, end - r), rowBytes, in, x, 0, rows, y, out);
            }
        }
    }

    /**
     * The native kernels' task: activations copied off-heap and quantized once in {@link #set},
     * before the pool's threads start; results land off-heap and each thread copies its own rows
     * back. (Heap segments over x and y would save the copies, under 1% of a matmul, but
     * MemorySegment.ofArray allocates a wrapper per call: 430 KB per 200 decode steps.)
     */
    private static final class NativeTask implements ComputePool.RangeTask {
        private GgmlType type;
        private MemorySegment data;
        private long rowBytes;
        private int in, out, rows;
        private float[] y;
        private MemorySegment xBuf = MemorySegment.NULL, yBuf = MemorySegment.NULL, xq = MemorySegment.NULL;

        void set(Tensor w, float[] x, float[] y, int rows) {
            this.type = w.type();
            this.data = w.data();
            this.rowBytes = w.rowBytes();
            this.in = w.cols();
            this.out = w.rows();
            this.y = y;
            this.rows = rows;
            xBuf = grown(xBuf, 4L * rows * in);
            yBuf = grown(yBuf, 4L * rows * out);
            MemorySegment.copy(x, 0, xBuf, ValueLayout.JAVA_FLOAT, 0, rows * in);
            int kind = NativeKernels.activationKind(type);
            if (kind != 0) {
                xq = grown(xq, NativeKernels.activationRowBytes(in) * rows);
                NativeKernels.quantize(kind, xBuf, rows, in, xq);
            }
        }

        void clear() {
            data = null;
            y = null;
        }

        @Override
        public void run(int start, int end) {
            NativeKernels.matmul(type, data, rowBytes, in, xBuf, xq, rows, yBuf, out, start, end);
            for (int t = 0; t < rows; t++) {
                long at = (long) t * out + start;
                MemorySegment.copy(yBuf, ValueLayout.JAVA_FLOAT, 4 * at, y, (int) at, end - start);
            }
        }
    }

    /** seg if it holds at least {@code bytes}, else a new 64-byte aligned one (at least twice as large). */
    private static MemorySegment grown(MemorySegment seg, long bytes) {
        return seg.byteSize() >= bytes ? seg : Arena.ofAuto().allocate(Math.max(bytes, 2 * seg.byteSize()), 64);
    }

    /** Values per decode in {@link #decodedDot}: a multiple of every block size and of two vectors; 2 KiB of floats. */
    static final int DOT_CHUNK = 512;

    /**
     * One weight row at byte {@code off} times x[xOff..]: the dot of formats without a fused
     * kernel. Decodes DOT_CHUNK values at a time into a per-thread buffer that stays in L1 and
     * multiplies them in, with exactly the arithmetic of the batched path ({@link #oneRow}: two
     * accumulators alternating by lane chunk, then {@link Vectors#sum} and the scalar tail).
     */
    static float decodedDot(TensorFormat f, java.lang.foreign.MemorySegment w, long off, float[] x, int xOff, int n) {
        if (!Vectors.ENABLED) return f.dotReference(w, off, x, xOff, n);
        var F = Vectors.F;
        int L = F.length();
        Scratch s = SCRATCH.get();
        float[] dec = s.chunk, acc = s.acc;
        java.util.Arrays.fill(acc, 0, 2 * L, 0f);
        long chunkBytes = f.type().bytesFor(DOT_CHUNK);
        float tail = 0f;
        for (int c = 0, k = 0; c < n; c += DOT_CHUNK, k++) {
            int len = Math.min(DOT_CHUNK, n - c), upper = F.loopBound(len);
            f.decode(w, off + k * chunkBytes, dec, len);
            oneRow(dec, upper, x, xOff + c, acc, 0);
            for (int i = upper; i < len; i++) tail += dec[i] * x[xOff + c + i];
        }
        // the lane sum of Vectors.sum, written out (a call could box the vector)
        FloatVector v = FloatVector.fromArray(F, acc, 0).add(FloatVector.fromArray(F, acc, L));
        if (L == 16) v = v.add(v.rearrange(Vectors.ROT8));
        if (L >= 8) v = v.add(v.rearrange(Vectors.ROT4));
        v = v.add(v.rearrange(Vectors.ROT2));
        return v.add(v.rearrange(Vectors.ROT1)).lane(0) + tail;
    }

    /**
     * Weight rows [r0, r0 + nr) (row r at byte base + r * rowBytes) times T activation rows (row t
     * at x[xOff + t * in]): decode each weight row once, whole (the weights then stream through in
     * one sequential pass: measured faster than 256..1024-value chunks of the four rows, whose
     * strided streams the prefetchers follow worse), then multiply every activation row into all
     * nr rows; result (t, r) goes to y[t * out + r].
     */
    private static void block(
            TensorFormat f,
            java.lang.foreign.MemorySegment w,
            long base,
            int r0,
            int nr,
            long rowBytes,
            int in,
            float[] x,
            int xOff,
            int T,
            float[] y,
            int out) {
        if (!Vectors.ENABLED) {
            for (int r = r0; r < r0 + nr; r++) {
                for (int t = 0; t < T; t++)
                    y[t * out + r] = f.dotReference(w, base + r * rowBytes, x, xOff + t * in, in);
            }
            return;
        }
        var F = Vectors.F;
        int L = F.length();
        Scratch s = SCRATCH.get();
        s.ensure(T, L, in);
        float[][] dec = s.dec;
        float[] acc = s.acc;
        java.util.Arrays.fill(acc, 0, nr * T * 2 * L, 0f);
        for (int r = 0; r < nr; r++) f.decode(w, base + (r0 + r) * rowBytes, dec[r], in);
        int upper = F.loopBound(in);
        int t = 0;
        if (nr == ROW_BLOCK) {
            for (; t + 2 <= T; t += 2)
                fourByTwo(dec, upper, x, xOff + t * in, xOff + (t + 1) * in, acc, t * 2 * L, T * 2 * L);
            if (t < T) fourWeightRows(dec, upper, x, xOff + t * in, acc, t * 2 * L, T * 2 * L);
        } else {
            for (; t < T; t++)
                for (int r = 0; r < nr; r++) oneRow(dec[r], upper, x, xOff + t * in, acc, (r * T + t) * 2 * L);
        }
        for (int r = 0; r < nr; r++) {
            for (t = 0; t < T; t++) {
                int a = (r * T + t) * 2 * L, xb = xOff + t * in;
                float tail = 0f;
                for (int i = upper; i < in; i++) tail += dec[r][i] * x[xb + i];
                // the lane sum of Vectors.sum, written out: a call C2 declined here (a large method)
                // boxed the vector, one object per result (the batched allocation test at 256 bits)
                FloatVector v = FloatVector.fromArray(F, acc, a).add(FloatVector.fromArray(F, acc, a + L));
                if (L == 16) v = v.add(v.rearrange(Vectors.ROT8));
                if (L >= 8) v = v.add(v.rearrange(Vectors.ROT4));
                v = v.add(v.rearrange(Vectors.ROT2));
                y[t * out + r0 + r] = v.add(v.rearrange(Vectors.ROT1)).lane(0) + tail;
            }
        }
    }

    private static void oneRow(float[] dec, int upper, float[] x, int xb, float[] acc, int a) {
        var F = Vectors.F;
        int L = F.length();
        FloatVector a0 = FloatVector.fromArray(F, acc, a), a1 = FloatVector.fromArray(F, acc, a + L);
        int pairs = upper / (2 * L), i;
        for (int k = 0; k < pairs; k++) {
            i = k * 2 * L;
            a0 = FloatVector.fromArray(F, dec, i).fma(FloatVector.fromArray(F, x, xb + i), a0);
            a1 = FloatVector.fromArray(F, dec, i + L).fma(FloatVector.fromArray(F, x, xb + i + L), a1);
        }
        i = pairs * 2 * L;
        if (i < upper) a0 = FloatVector.fromArray(F, dec, i).fma(FloatVector.fromArray(F, x, xb + i), a0);
        a0.intoArray(acc, a);
        a1.intoArray(acc, a + L);
    }

    /**
     * Four weight rows times one activation chunk: each activation vector is loaded once for four
     * rows; per (row, t) the arithmetic is exactly {@link #oneRow}'s.
     *
     * @param a      accumulator index of (weight row 0, this t)
     * @param rowGap distance between the accumulators of consecutive weight rows
     */
    private static void fourWeightRows(float[][] dec, int upper, float[] x, int xb, float[] acc, int a, int rowGap) {
        var F = Vectors.F;
        int L = F.length();
        float[] d0 = dec[0], d1 = dec[1], d2 = dec[2], d3 = dec[3];
        int b0 = a, b1 = a + rowGap, b2 = a + 2 * rowGap, b3 = a + 3 * rowGap;
        FloatVector p0 = FloatVector.fromArray(F, acc, b0), q0 = FloatVector.fromArray(F, acc, b0 + L);
        FloatVector p1 = FloatVector.fromArray(F, acc, b1), q1 = FloatVector.fromArray(F, acc, b1 + L);
        FloatVector p2 = FloatVector.fromArray(F, acc, b2), q2 = FloatVector.fromArray(F, acc, b2 + L);
        FloatVector p3 = FloatVector.fromArray(F, acc, b3), q3 = FloatVector.fromArray(F, acc, b3 + L);
        int pairs = upper / (2 * L), i;
        for (int k = 0; k < pairs; k++) {
            i = k * 2 * L;
            FloatVector xa = FloatVector.fromArray(F, x, xb + i), xc = FloatVector.fromArray(F, x, xb + i + L);
            p0 = FloatVector.fromArray(F, d0, i).fma(xa, p0);
            q0 = FloatVector.fromArray(F, d0, i + L).fma(xc, q0);
            p1 = FloatVector.fromArray(F, d1, i).fma(xa, p1);
            q1 = FloatVector.fromArray(F, d1, i + L).fma(xc, q1);
            p2 = FloatVector.fromArray(F, d2, i).fma(xa, p2);
            q2 = FloatVector.fromArray(F, d2, i + L).fma(xc, q2);
            p3 = FloatVector.fromArray(F, d3, i).fma(xa, p3);
            q3 = FloatVector.fromArray(F, d3, i + L).fma(xc, q3);
        }
        i = pairs * 2 * L;
        if (i < upper) {
            FloatVector xa = FloatVector.fromArray(F, x, xb + i);
            p0 = FloatVector.fromArray(F, d0, i).fma(xa, p0);
            p1 = FloatVector.fromArray(F, d1, i).fma(xa, p1);
            p2 = FloatVector.fromArray(F, d2, i).fma(xa, p2);
            p3 = FloatVector.fromArray(F, d3, i).fma(xa, p3);
        }
        p0.intoArray(acc, b0);
        q0.intoArray(acc, b0 + L);
        p1.intoArray(acc, b1);
        q1.intoArray(acc, b1 + L);
        p2.intoArray(acc, b2);
        q2.intoArray(acc, b2 + L);
        p3.intoArray(acc, b3);
        q3.intoArray(acc, b3 + L);
    }

    /**
     * Four weight rows times two activation rows: each decoded vector and each activation vector is
     * loaded once for the whole 4 x 2 tile (16 accumulators in registers); per (row, t) the
     * arithmetic is exactly {@link #oneRow}'s. This tile is what makes a b-row verification pass
     * cost far less than b single-row passes: the decode is paid once, the x loads are shared.
     *
     * @param a      accumulator index of (weight row 0, first t); the second t's follows at a + 2L
     * @param rowGap distance between the accumulators of consecutive weight rows
     */
    private static void fourByTwo(float[][] dec, int upper, float[] x, int xb, int xc, float[] acc, int a, int rowGap) {
        var F = Vectors.F;
        int L = F.length();
        float[] d0 = dec[0], d1 = dec[1], d2 = dec[2], d3 = dec[3];
        int b0 = a, b1 = a + rowGap, b2 = a + 2 * rowGap, b3 = a + 3 * rowGap;
        FloatVector p0 = FloatVector.fromArray(F, acc, b0), q0 = FloatVector.fromArray(F, acc, b0 + L);
        FloatVector p1 = FloatVector.fromArray(F, acc, b1), q1 = FloatVector.fromArray(F, acc, b1 + L);
        FloatVector p2 = FloatVector.fromArray(F, acc, b2), q2 = FloatVector.fromArray(F, acc, b2 + L);
        FloatVector p3 = FloatVector.fromArray(F, acc, b3), q3 = FloatVector.fromArray(F, acc, b3 + L);
        FloatVector r0 = FloatVector.fromArray(F, acc, b0 + 2 * L), s0 = FloatVector.fromArray(F, acc, b0 + 3 * L);
        FloatVector r1 = FloatVector.fromArray(F, acc, b1 + 2 * L), s1 = FloatVector.fromArray(F, acc, b1 + 3 * L);
        FloatVector r2 = FloatVector.fromArray(F, acc, b2 + 2 * L), s2 = FloatVector.fromArray(F, acc, b2 + 3 * L);
        FloatVector r3 = FloatVector.fromArray(F, acc, b3 + 2 * L), s3 = FloatVector.fromArray(F, acc, b3 + 3 * L);
        // a counted loop over an int index, so C2 can drop the per-load bounds checks
        int pairs = upper / (2 * L), i;
        for (int k = 0; k < pairs; k++) {
            i = k * 2 * L;
            FloatVector xa = FloatVector.fromArray(F, x, xb + i), xe = FloatVector.fromArray(F, x, xb + i + L);
            FloatVector ya = FloatVector.fromArray(F, x, xc + i), ye = FloatVector.fromArray(F, x, xc + i + L);
            FloatVector w0 = FloatVector.fromArray(F, d0, i), v0 = FloatVector.fromArray(F, d0, i + L);
            p0 = w0.fma(xa, p0);
            q0 = v0.fma(xe, q0);
            r0 = w0.fma(ya, r0);
            s0 = v0.fma(ye, s0);
            FloatVector w1 = FloatVector.fromArray(F, d1, i), v1 = FloatVector.fromArray(F, d1, i + L);
            p1 = w1.fma(xa, p1);
            q1 = v1.fma(xe, q1);
            r1 = w1.fma(ya, r1);
            s1 = v1.fma(ye, s1);
            FloatVector w2 = FloatVector.fromArray(F, d2, i), v2 = FloatVector.fromArray(F, d2, i + L);
            p2 = w2.fma(xa, p2);
            q2 = v2.fma(xe, q2);
            r2 = w2.fma(ya, r2);
            s2 = v2.fma(ye, s2);
            FloatVector w3 = FloatVector.fromArray(F, d3, i), v3 = FloatVector.fromArray(F, d3, i + L);
            p3 = w3.fma(xa, p3);
            q3 = v3.fma(xe, q3);
            r3 = w3.fma(ya, r3);
            s3 = v3.fma(ye, s3);
        }
        i = pairs * 2 * L;
        if (i < upper) {
            FloatVector xa = FloatVector.fromArray(F, x, xb + i), ya = FloatVector.fromArray(F, x, xc + i);
            FloatVector w0 = FloatVector.fromArray(F, d0, i), w1 = FloatVector.fromArray(F, d1, i);
            FloatVector w2 = FloatVector.fromArray(F, d2, i), w3 = FloatVector.fromArray(F, d3, i);
            p0 = w0.fma(xa, p0);
            r0 = w0.fma(ya, r0);
            p1 = w1.fma(xa, p1);
            r1 = w1.fma(ya, r1);
            p2 = w2.fma(xa, p2);
            r2 = w2.fma(ya, r2);
            p3 = w3.fma(xa, p3);
            r3 = w3.fma(ya, r3);
        }
        p0.intoArray(acc, b0);
        q0.intoArray(acc, b0 + L);
        r0.intoArray(acc, b0 + 2 * L);
        s0.intoArray(acc, b0 + 3 * L);
        p1.intoArray(acc, b1);
        q1.intoArray(acc, b1 + L);
        r1.intoArray(acc, b1 + 2 * L);
        s1.intoArray(acc, b1 + 3 * L);
        p2.intoArray(acc, b2);
        q2.intoArray(acc, b2 + L);
        r2.intoArray(acc, b2 + 2 * L);
        s2.intoArray(acc, b2 + 3 * L);
        p3.intoArray(acc, b3);
        q3.intoArray(acc, b3 + L);
        r3.intoArray(acc, b3 + 2 * L);
        s3.intoArray(acc, b3 + 3 * L);
    }
}
