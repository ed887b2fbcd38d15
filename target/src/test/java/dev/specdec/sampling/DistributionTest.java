package dev.specdec.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each sampling parameter against hand-computed distributions. */
class DistributionTest {
    static final float[] LOGITS = {1f, 3f, 2f, 3f, 0f}; // note the tie between ids 1 and 3

    static float[] p(SamplingParams sp, int... history) {
        Distribution d = new Distribution(LOGITS.length);
        float[] out = new float[LOGITS.length];
        d.compute(LOGITS, sp, history, history.length, out);
        return out;
    }

    static SamplingParams sp(float t, int topK, float topP, float minP) {
        return new SamplingParams(t, topK, topP, minP, 1f, 0f, 0f, 64, Map.of(), 0);
    }

    static double[] softmax(double... l) {
        double m = Double.NEGATIVE_INFINITY, s = 0;
        for (double v : l) m = Math.max(m, v);
        double[] r = new double[l.length];
        for (int i = 0; i < l.length; i++) {
            r[i] = Math.exp(l[i] - m);
            s += r[i];
        }
        for (int i = 0; i < l.length; i++) r[i] /= s;
        return r;
    }

    static void assertDist(double[] expected, float[] got) {
        for (int i = 0; i < expected.length; i++) assertEquals(expected[i], got[i], 1e-6, "token " + i);
    }

    @Test
    void nonFiniteLogitsStopWithThePositionNotToken0() {
        Distribution d = new Distribution(5, "the target model");
        float[] out = new float[5];
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            float[] l = LOGITS.clone();
            l[2] = bad;
            for (SamplingParams sp :
                    new SamplingParams[] {SamplingParams.greedy(), SamplingParams.temperature(1f, 1)}) {
                NonFiniteLogitsException e =
                        assertThrows(NonFiniteLogitsException.class, () -> d.compute(l, sp, new int[7], 7, out));
                assertEquals(
                        "the logits of the target model for position 7 are not finite (" + bad
                                + " for token 2): its weights "
                                + "probably hold NaN or Inf; load it with --check-tensors to find the tensor",
                        e.getMessage());
                assertEquals(7, e.position());
            }
        }
        // a -inf logit bias is the user's choice, not a broken model
        d.compute(
                LOGITS,
                new SamplingParams(1f, 0, 1f, 0f, 1f, 0f, 0f, 64, Map.of(1, Float.NEGATIVE_INFINITY), 0),
                new int[0],
                0,
                out);
        assertEquals(0f, out[1]);
    }

    @Test
    void greedyPutsAllMassOnTheFirstArgmax() {
        assertDist(new double[] {0, 1, 0, 0, 0}, p(SamplingParams.greedy()));
    }

    @Test
    void temperatureScalesLogits() {
        double[] e = softmax(0.5, 1.5, 1.0, 1.5, 0);
        assertDist(e, p(sp(2f, 0, 1f, 0f)));
    }

    @Test
    void topKKeepsTheKLargestWithTiesToTheLowerIndex() {
        double[] e3 = softmax(3, 2, 3); // ids 1, 2, 3
        assertDist(new double[] {0, e3[0], e3[1], e3[2], 0}, p(sp(1f, 3, 1f, 0f)));
        double[] e1 = {0, 1, 0, 0, 0}; // k = 1: the tie goes to id 1
        assertDist(e1, p(sp(1f, 1, 1f, 0f)));
    }

    @Test
    void topPKeepsTheSmallestSetReachingTheMass() {
        double[] full = softmax(1, 3, 2, 3, 0);
        // ids 1 and 3 hold 2 * 0.3888 = 0.7776 < 0.8, adding id 2 (0.1430) reaches it
        float[] got = p(sp(1f, 0, 0.8f, 0f));
        double kept = full[1] + full[2] + full[3];
        assertDist(new double[] {0, full[1] / kept, full[2] / kept, full[3] / kept, 0}, got);
    }

    @Test
    void minPDropsTokensBelowAFractionOfTheTop() {
        double[] full = softmax(1, 3, 2, 3, 0);
        // min-p 0.3: threshold 0.3 * p(top); id 2 has e^-1 = 0.368 of the top, id 0 e^-2 = 0.135
        float[] got = p(sp(1f, 0, 1f, 0.3f));
        double kept = full[1] + full[2] + full[3];
        assertDist(new double[] {0, full[1] / kept, full[2] / kept, full[3] / kept, 0}, got);
    }

    @Test
    void penaltiesAndBiasUseTheHistory() {
        // repetition 2 on id 1 (positive: halved) and id 4 (zero stays 0 * 2 = 0), frequency 0.5 per
        // occurrence, presence 0.25, bias +1 on id 0
        var params = new SamplingParams(1f, 0, 1f, 0f, 2f, 0.5f, 0.25f, 64, Map.of(0, 1f), 0);
        float[] got = p(params, 1, 1, 4);
        double l1 = 3 / 2.0 - 2 * 0.5 - 0.25, l4 = 0 * 2.0 - 0.5 - 0.25;
        assertDist(softmax(2, l1, 2, 3, l4), got);
        // the penalty window: only the last token is seen
        var windowed = new SamplingParams(1f, 0, 1f, 0f, 2f, 0f, 0f, 1, Map.of(), 0);
        assertDist(softmax(1, 3, 2, 3, 0), p(windowed, 1, 1, 4));
    }

    @Test
    void sampleIsTheInverseCdf() {
        Distribution d = new Distribution(3);
        float[] probs = {0.2f, 0f, 0.8f};
        assertEquals(0, d.sample(probs, 0.1));
        assertEquals(2, d.sample(probs, 0.25));
        assertEquals(2, d.sample(probs, 0.9999999));
    }

    @Test
    void invalidParametersAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> sp(-1f, 0, 1f, 0f));
        assertThrows(IllegalArgumentException.class, () -> sp(1f, -1, 1f, 0f));
        assertThrows(IllegalArgumentException.class, () -> sp(1f, 0, 0f, 0f));
        assertThrows(IllegalArgumentException.class, () -> sp(1f, 0, 1f, 1.5f));
    }
}
