package dev.specdec.engine;

import java.util.function.IntToDoubleFunction;

/**
 * Measured time of a pass by its number of rows, for one model's passes (an exponential average per
 * row count). Between measured counts it is linear in the rows; beyond them (on one side only) it
 * follows the shape of a prior cost curve scaled to the nearest measurement. Written by the thread
 * that runs the passes, read by any: a stale value is only a slightly older estimate.
 */
final class PassTimes {
    private static final int MAX_ROWS = 1024;

    private final double[] nanos = new double[MAX_ROWS + 1];

    void record(int rows, long elapsedNanos) {
        if (rows < 1 || rows > MAX_ROWS) return;
        double old = nanos[rows];
        nanos[rows] = old == 0 ? elapsedNanos : 0.8 * old + 0.2 * elapsedNanos;
    }

    /**
     * Nanoseconds of a pass of {@code rows} rows, or NaN when no pass has been measured.
     *
     * @param shape the prior cost of a pass by rows (any unit: only its ratios are used), for row
     *              counts beyond every measurement. Neither flat (rows free: a lone prefill pass of
     *              hundreds of rows would make every smaller pass look as dear) nor proportional
     *              (rows never cheaper in bulk) is right; the prior is what was measured or assumed.
     */
    double nanos(int rows, IntToDoubleFunction shape) {
        rows = Math.clamp(rows, 1, MAX_ROWS);
        if (nanos[rows] > 0) return nanos[rows];
        int lo = rows - 1, hi = rows + 1;
        while (lo >= 1 && nanos[lo] == 0) lo--;
        while (hi <= MAX_ROWS && nanos[hi] == 0) hi++;
        boolean haveLo = lo >= 1, haveHi = hi <= MAX_ROWS;
        if (haveLo && haveHi) return nanos[lo] + (nanos[hi] - nanos[lo]) * (rows - lo) / (hi - lo);
        if (!haveLo && !haveHi) return Double.NaN;
        int near = haveLo ? lo : hi;
        return nanos[near] * shape.applyAsDouble(rows) / shape.applyAsDouble(near);
    }
}
