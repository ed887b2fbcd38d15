package dev.specdec.engine;

import dev.specdec.target.LanguageModel;
import java.util.function.IntToDoubleFunction;

/**
 * What a pass over one model's weights costs by its rows, as measured on the passes themselves: a
 * fixed part (streaming the weights, paid once per pass however many rows it holds) plus a part per
 * row (the arithmetic), fitted by least squares over the recorded passes. Older passes weigh less
 * (a pass's weight halves about every 35 passes), so the first, cold passes (JIT, page cache) fade
 * and a machine that gets busier is followed. While all recorded passes had about the same number of
 * rows the fit cannot see the per-row part; it then takes the prior cost curve's relative slope
 * there. A model runs more rows than {@link LanguageModel#MAX_ROWS_PER_PASS} as several passes, each
 * paying the fixed part (and a long prompt's attention grows with its positions): such calls are
 * not fitted, and an estimate for them counts a fixed part per pass. Written by the thread that
 * runs the passes, read by any: a read may pair the fixed part of one fit with the per-row part of
 * the next, which is only a slightly older estimate.
 */
final class PassTimes {
    private static final double DECAY = 0.98;

    private final IntToDoubleFunction prior;
    // recency-weighted sums of 1, rows, rows^2, nanos and rows * nanos (the recording thread's own)
    private double w, sx, sxx, sy, sxy;
    private volatile double fixed = Double.NaN, perRow = Double.NaN;

    /** @param prior the prior cost of a pass by rows (any unit: only its shape is used) */
    PassTimes(IntToDoubleFunction prior) {
        this.prior = prior;
    }

    void record(int rows, long elapsedNanos) {
        if (rows < 1 || rows > LanguageModel.MAX_ROWS_PER_PASS || elapsedNanos <= 0) return;
        double y = elapsedNanos;
        w = w * DECAY + 1;
        sx = sx * DECAY + rows;
        sxx = sxx * DECAY + (double) rows * rows;
        sy = sy * DECAY + y;
        sxy = sxy * DECAY + rows * y;
        double mx = sx / w, my = sy / w, variance = sxx / w - mx * mx;
        double b;
        if (variance < 1) {
            int m = (int) Math.round(mx);
            b = my * (prior.applyAsDouble(m + 1) - prior.applyAsDouble(m)) / prior.applyAsDouble(m);
        } else {
            b = (sxy / w - mx * my) / variance;
        }
        b = Math.max(b, 0); // noise can tilt the fit; more rows never cost less
        double a = my - b * mx;
        if (a < 0) { // a fixed part below zero: the rows alone, through the origin
            a = 0;
            b = sxy / sxx;
        }
        perRow = b;
        fixed = a;
    }

    /** Nanoseconds of a call over {@code rows} rows, or NaN when no pass has been measured. */
    double nanos(int rows) {
        double a = fixed;
        if (Double.isNaN(a)) return Double.NaN;
        rows = Math.max(rows, 1);
        int passes = (rows + LanguageModel.MAX_ROWS_PER_PASS - 1) / LanguageModel.MAX_ROWS_PER_PASS;
        return passes * a + perRow * rows;
    }
}
