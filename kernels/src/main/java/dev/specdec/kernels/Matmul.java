package dev.specdec.kernels;

/**
 * The batched matrix product of the forward pass: {@code Y[t] = W · X[t]} for T activation rows.
 * Each weight row is read from memory once and used for all T rows while it is in cache; work is
 * split across threads by output rows. Row t's results depend only on W and X[t], never on T:
 * this is what makes batched verification bitwise equal to one-token decoding.
 */
public final class Matmul {
    private Matmul() {}

    /**
     * @param w    weights, ggml shape [in, out] (out rows of in values)
     * @param x    T rows of {@code in} floats, row-major
     * @param y    T rows of {@code out} floats, row-major; row t gets W·x[t]
     * @param rows T
     */
    public static void matmul(ComputePool pool, Tensor w, float[] x, float[] y, int rows) {
        matmul(pool, w, x, y, rows, 0, w.rows());
    }

    /** As {@link #matmul(ComputePool, Tensor, float[], float[], int)} for output rows [from, to) only. */
    public static void matmul(ComputePool pool, Tensor w, float[] x, float[] y, int rows, int from, int to) {
        int in = w.cols(), out = w.rows();
        TensorFormat f = w.format();
        long rowBytes = w.rowBytes();
        var data = w.data();
        pool.parallelFor(to - from, (start, end) -> {
            for (int r = from + start; r < from + end; r++) {
                long off = r * rowBytes;
                for (int t = 0; t < rows; t++) {
                    y[t * out + r] = f.dot(data, off, x, t * in, in);
                }
            }
        });
    }
}
