package dev.specdec.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.IntToDoubleFunction;
import org.junit.jupiter.api.Test;

class PassTimesTest {
    /** A prior in which each row beyond the first costs a tenth of it (memory-bound passes). */
    private static final IntToDoubleFunction PRIOR = b -> 1 + 0.1 * (b - 1);

    @Test
    void measuredCountsAreAveragedAndInterpolated() {
        PassTimes t = new PassTimes();
        assertTrue(Double.isNaN(t.nanos(4, PRIOR)), "nothing measured");
        t.record(4, 1000);
        assertEquals(1000, t.nanos(4, PRIOR));
        t.record(4, 2000);
        assertEquals(1200, t.nanos(4, PRIOR), 1e-9, "an exponential average (0.8 old, 0.2 new)");
        t.record(8, 2200);
        assertEquals(1700, t.nanos(6, PRIOR), 1e-9, "linear between measured counts");
    }

    /**
     * Beyond the measurements the prior's shape decides, scaled to the nearest one: a prefill pass
     * of hundreds of rows must not make a 16-row pass look as dear (that kept a loaded batch
     * drafting), nor a 16-row pass make an 80-row one look free.
     */
    @Test
    void beyondTheMeasurementsThePriorsShapeScales() {
        PassTimes t = new PassTimes();
        t.record(320, 100_000_000);
        assertEquals(100e6 * PRIOR.applyAsDouble(16) / PRIOR.applyAsDouble(320), t.nanos(16, PRIOR), 1e-3);
        t.record(16, 10_000_000);
        assertEquals(10e6 * PRIOR.applyAsDouble(8) / PRIOR.applyAsDouble(16), t.nanos(8, PRIOR), 1e-3);
        PassTimes u = new PassTimes();
        u.record(16, 10_000_000);
        assertEquals(10e6 * PRIOR.applyAsDouble(80) / PRIOR.applyAsDouble(16), u.nanos(80, PRIOR), 1e-3);
        assertTrue(u.nanos(80, PRIOR) > u.nanos(16, PRIOR));
    }
}
