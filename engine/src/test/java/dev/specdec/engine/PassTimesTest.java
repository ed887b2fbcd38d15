package dev.specdec.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.IntToDoubleFunction;
import org.junit.jupiter.api.Test;

class PassTimesTest {
    /** A prior in which each row beyond the first costs a tenth of it (memory-bound passes). */
    private static final IntToDoubleFunction PRIOR = b -> 1 + 0.1 * (b - 1);

    /** A machine whose passes cost 10 ms plus 1 ms a row. */
    private static long truth(int rows) {
        return 10_000_000L + 1_000_000L * rows;
    }

    @Test
    void passesOfDifferentSizesGiveTheFixedAndThePerRowPart() {
        PassTimes t = new PassTimes(PRIOR);
        assertTrue(Double.isNaN(t.nanos(4)), "nothing measured");
        for (int r : new int[] {1, 16, 64, 1, 5}) t.record(r, truth(r));
        for (int r : new int[] {1, 2, 32, 48, 65}) assertEquals(truth(r), t.nanos(r), 1e-3 * truth(r), "rows " + r);
    }

    /**
     * More rows than one pass holds run as several passes, each paying the fixed part: such a call
     * (a long prompt) is not fitted as one pass, and an estimate for one counts every pass.
     */
    @Test
    void callsLongerThanOnePassAreNotFittedAndCountEveryPass() {
        PassTimes t = new PassTimes(PRIOR);
        for (int r : new int[] {1, 16, 64, 1, 5}) t.record(r, truth(r));
        t.record(1000, 100 * truth(1000)); // a prompt whose attention dominated: ignored
        assertEquals(truth(32), t.nanos(32), 1e-3 * truth(32));
        int max = dev.specdec.target.LanguageModel.MAX_ROWS_PER_PASS;
        assertEquals(2 * 10e6 + 1e6 * (max + 1), t.nanos(max + 1), 1e-3 * truth(max + 1));
    }

    /**
     * The first passes run cold (interpreted code, pages not yet read) and cost several times what
     * they will: they fade instead of standing for their row count forever (a cold 17-row pass once
     * made a loaded batch think a 16-row pass dearer than a 48-row one, and draft).
     */
    @Test
    void coldFirstPassesFade() {
        PassTimes t = new PassTimes(PRIOR);
        t.record(17, 30 * truth(17));
        t.record(5, 10 * truth(5));
        int[] sizes = {16, 32, 16, 48, 16, 64, 16, 1};
        for (int i = 0; i < 400; i++) t.record(sizes[i % sizes.length], truth(sizes[i % sizes.length]));
        for (int r : new int[] {16, 17, 32, 48}) assertEquals(truth(r), t.nanos(r), 0.02 * truth(r), "rows " + r);
        assertTrue(t.nanos(16) < t.nanos(32) && t.nanos(32) < t.nanos(48));
    }

    /** Passes of one size only show no per-row part: the prior's relative slope there stands in. */
    @Test
    void oneSizeOnlyTakesThePriorsSlope() {
        PassTimes t = new PassTimes(PRIOR);
        for (int i = 0; i < 10; i++) t.record(16, 20_000_000);
        assertEquals(20e6, t.nanos(16), 1);
        double slope = 20e6 * (PRIOR.applyAsDouble(17) - PRIOR.applyAsDouble(16)) / PRIOR.applyAsDouble(16);
        assertEquals(20e6 + 16 * slope, t.nanos(32), 1);
    }

    /** Noise can make bigger passes look cheaper; the estimate never falls with the rows. */
    @Test
    void moreRowsNeverCostLess() {
        PassTimes t = new PassTimes(PRIOR);
        for (int i = 0; i < 10; i++) {
            t.record(1, 20_000_000);
            t.record(4, 12_000_000);
        }
        assertTrue(t.nanos(8) >= t.nanos(1));
        assertTrue(t.nanos(1) > 0);
    }
}
