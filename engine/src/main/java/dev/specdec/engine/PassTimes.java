package dev.specdec.engine;

/**
 * Measured time of a pass by its number of rows, for one model's passes (an exponential average per
 * row count; between and beyond measured counts, linear in the rows). Written by the thread that
 * runs the passes, read by any: a stale value is only a slightly older estimate.
 */
final class PassTimes {
    private static final int MAX_ROWS = 1024;

    private final double[] nanos = new double[MAX_ROWS + 1];

    void record(int rows, long elapsedNanos) {
        if (rows < 1 || rows > MAX_ROWS) return;
        double old = nanos[rows];
        nanos[rows] = old == 0 ? elapsedNanos : 0.8 * old + 0.2 * elapsedNanos;
    }

    /** Nanoseconds of a pass of {@code rows} rows, or NaN when no pass has been measured. */
    double nanos(int rows) {
        rows = Math.clamp(rows, 1, MAX_ROWS);
        if (nanos[rows] > 0) return nanos[rows];
        int lo = rows - 1, hi = rows + 1;
        while (lo >= 1 && nanos[lo] == 0) lo--;
        while (hi <= MAX_ROWS && nanos[hi] == 0) hi++;
        boolean haveLo = lo >= 1, haveHi = hi <= MAX_ROWS;
        if (haveLo && haveHi) return nanos[lo] + (nanos[hi] - nanos[lo]) * (rows - lo) / (hi - lo);
        // one side only: proportional to the rows (the pessimistic, compute-bound guess) above, the nearest below
        if (haveLo) return nanos[lo] * rows / lo;
        if (haveHi) return nanos[hi];
        return Double.NaN;
    }
}
