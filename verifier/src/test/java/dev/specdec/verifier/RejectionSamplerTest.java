package dev.specdec.verifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specdec.sampling.Distribution;
import dev.specdec.sampling.SamplingParams;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The verifier as a pure function, on synthetic "models": Markov chains over V = 6 tokens whose
 * logits depend on the previous token. A speculative generation of two tokens is simulated exactly
 * as the decoder does it (draft k tokens from q, verify against p rows, commit, repeat), and the
 * JOINT distribution of the first two emitted tokens is compared with the target chain's.
 *
 * <p>Power: with N = 200,000 generations and 36 cells (df = 35, critical chi-square 66.6 at
 * alpha = 0.001), a deviation of total-variation distance 0.003 moved between two cells of
 * probability ~1/36 gives a non-centrality of about N * 2 * 0.003^2 * 36 = 130, detected with
 * power > 0.99; TV 0.002 (non-centrality 58) is still detected about 80% of the time.
 * {@link #theTestHasTeeth} shows that verifiers with the classic bugs fail it by a wide margin.
 */
class RejectionSamplerTest {
    static final int V = 6, N = 200_000;

    /** A verifier under test: the real one or a deliberately broken one. */
    interface Verifier {
        void verify(int[] draft, int k, float[][] q, float[][] p, DoubleSupplier u, Verification out);
    }

    /** Markov-chain logits: row = previous token. */
    static float[][] chain(long seed, double spread) {
        SplittableRandom r = new SplittableRandom(seed);
        float[][] l = new float[V][V];
        for (int a = 0; a < V; a++) for (int b = 0; b < V; b++) l[a][b] = (float) (r.nextGaussian() * spread);
        return l;
    }

    /** Simulates N two-token speculative generations; returns counts of (first, second). */
    static long[] simulate(Verifier verifier, float[][] targetLogits, float[][] draftLogits, SamplingParams sp, int k,
                           boolean deterministicDraft, long seed) {
        return simulate(verifier, targetLogits, draftLogits, sp, k, deterministicDraft, seed, V);
    }

    /** As above with a draft over the first {@code draftVocab} tokens only: its q rows are that long (q = 0 beyond). */
    static long[] simulate(Verifier verifier, float[][] targetLogits, float[][] draftLogits, SamplingParams sp, int k,
                           boolean deterministicDraft, long seed, int draftVocab) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Distribution dist = new Distribution(V), draftDist = new Distribution(draftVocab);
        float[][] p = new float[k + 1][V], q = new float[k][draftVocab];
        float[][] qRows = new float[k][];
        int[] draft = new int[k];
        int[] hist = new int[8], hd = new int[16];
        long[] counts = new long[V * V];
        Verification out = new Verification();
        for (int n = 0; n < N; n++) {
            int len = 1;
            hist[0] = 0;   // start token
            while (len < 3) {
                // draft k tokens from q, each conditioned on the previous token
                for (int i = 0; i < k; i++) {
                    int prev = i == 0 ? hist[len - 1] : draft[i - 1];
                    // penalties see the history including the draft tokens before this position
                    System.arraycopy(hist, 0, hd, 0, len);
                    System.arraycopy(draft, 0, hd, len, i);
                    draftDist.compute(draftLogits[prev], sp, hd, len + i, q[i]);
                    if (deterministicDraft) { draft[i] = draftDist.argmaxOf(q[i]); qRows[i] = null; }
                    else { draft[i] = draftDist.sample(q[i], rnd.nextDouble()); qRows[i] = q[i]; }
                }
                for (int i = 0; i <= k; i++) {
                    int prev = i == 0 ? hist[len - 1] : draft[i - 1];
                    System.arraycopy(hist, 0, hd, 0, len);
                    System.arraycopy(draft, 0, hd, len, i);
                    dist.compute(targetLogits[prev], sp, hd, len + i, p[i]);
                }
                verifier.verify(draft, k, qRows, p, rnd::nextDouble, out);
                for (int i = 0; i < out.accepted() && len < 3; i++) hist[len++] = draft[i];
                if (len < 3) hist[len++] = out.next();
            }
            counts[hist[1] * V + hist[2]]++;
        }
        return counts;
    }

    static double[] expectedJoint(float[][] targetLogits, SamplingParams sp) {
        Distribution dist = new Distribution(V);
        float[] p1 = new float[V], p2 = new float[V];
        dist.compute(targetLogits[0], sp, new int[] {0}, 1, p1);
        double[] e = new double[V * V];
        for (int a = 0; a < V; a++) {
            dist.compute(targetLogits[a], sp, new int[] {0, a}, 2, p2);
            for (int b = 0; b < V; b++) e[a * V + b] = (double) p1[a] * p2[b];
        }
        return e;
    }

    static final Verifier CORRECT = new Verifier() {
        final RejectionSampler s = new RejectionSampler(V);
        @Override public void verify(int[] d, int k, float[][] q, float[][] p, DoubleSupplier u, Verification out) { s.verify(d, k, q, p, u, out); }
    };

    static Stream<Arguments> params() {
        return Stream.of(
                Arguments.of("T=1", SamplingParams.temperature(1f, 1), 3, false),
                Arguments.of("T=0.7 top-k 4", new SamplingParams(0.7f, 4, 1f, 0f, 1f, 0f, 0f, 64, Map.of(), 1), 2, false),
                Arguments.of("T=1.3 top-p 0.8", new SamplingParams(1.3f, 0, 0.8f, 0f, 1f, 0f, 0f, 64, Map.of(), 1), 4, false),
                Arguments.of("min-p 0.15", new SamplingParams(1f, 0, 1f, 0.15f, 1f, 0f, 0f, 64, Map.of(), 1), 3, false),
                Arguments.of("penalties + bias", new SamplingParams(1f, 0, 1f, 0f, 1.3f, 0.2f, 0.3f, 64, Map.of(2, 1.5f, 4, -2f), 1), 3, false),
                Arguments.of("top-k 5 top-p 0.9 min-p 0.05", new SamplingParams(0.9f, 5, 0.9f, 0.05f, 1f, 0f, 0f, 64, Map.of(), 1), 2, false),
                Arguments.of("deterministic draft (q one-hot)", SamplingParams.temperature(1f, 1), 3, true),
                Arguments.of("k=1", SamplingParams.temperature(1f, 1), 1, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("params")
    void emittedTokensFollowTheTargetDistribution(String name, SamplingParams sp, int k, boolean deterministic) {
        float[][] target = chain(11, 1.5), draft = chain(12, 1.5);
        long[] counts = simulate(CORRECT, target, draft, sp, k, deterministic, 99);
        double pv = Stats.chiSquarePValue(counts, expectedJoint(target, sp));
        assertTrue(pv > 0.001, name + ": joint of the first two tokens deviates from the target, p = " + pv);
    }

    /** A draft whose vocabulary is a prefix of the target's: q is shorter than p, and 0 beyond it. */
    @ParameterizedTest(name = "deterministic {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void aDraftWithAPrefixVocabularyKeepsTheTargetDistribution(boolean deterministic) {
        float[][] target = chain(11, 1.5), draft = chain(12, 1.5);
        SamplingParams sp = SamplingParams.temperature(1f, 1);
        long[] counts = simulate(CORRECT, target, draft, sp, 3, deterministic, 99, V - 2);
        double pv = Stats.chiSquarePValue(counts, expectedJoint(target, sp));
        assertTrue(pv > 0.001, "draft over " + (V - 2) + " of " + V + " tokens: the joint deviates from the target, p = " + pv);
    }

    @Test
    void theTestHasTeeth() {
        float[][] target = chain(11, 1.5), draft = chain(12, 1.5);
        SamplingParams sp = SamplingParams.temperature(1f, 1);
        double[] expected = expectedJoint(target, sp);
        Verifier alwaysAccept = (d, k, q, p, u, out) -> out.set(k, RejectionSampler.sample(p[k], u.getAsDouble()));
        Verifier resampleFromP = new Verifier() {
            @Override public void verify(int[] d, int k, float[][] q, float[][] p, DoubleSupplier u, Verification out) {
                for (int i = 0; i < k; i++) {
                    float qx = q[i] == null ? 1f : q[i][d[i]];
                    if (u.getAsDouble() * qx < p[i][d[i]]) continue;
                    out.set(i, RejectionSampler.sample(p[i], u.getAsDouble()));   // BUG: p instead of the residual
                    return;
                }
                out.set(k, RejectionSampler.sample(p[k], u.getAsDouble()));
            }
        };
        Verifier acceptWithPOnly = (d, k, q, p, u, out) -> {   // BUG: ignores q (accepts with p(x))
            for (int i = 0; i < k; i++) {
                if (u.getAsDouble() < p[i][d[i]]) continue;
                out.set(i, RejectionSampler.sample(p[i], u.getAsDouble()));
                return;
            }
            out.set(k, RejectionSampler.sample(p[k], u.getAsDouble()));
        };
        for (Verifier broken : new Verifier[] {alwaysAccept, resampleFromP, acceptWithPOnly}) {
            double pv = Stats.chiSquarePValue(simulate(broken, target, draft, sp, 3, false, 99), expected);
            assertTrue(pv < 1e-9, "a broken verifier passed the distribution test, p = " + pv);
        }
        assertTrue(Stats.chiSquarePValue(simulate(CORRECT, target, draft, sp, 3, false, 99), expected) > 0.001);
    }

    @Test
    void identicalDraftAndTargetAcceptEverything() {
        float[][] p = {{0.2f, 0.8f}, {0.5f, 0.5f}};
        RejectionSampler s = new RejectionSampler(2);
        Verification v = new Verification();
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < 1000; i++) {
            s.verify(new int[] {1}, 1, new float[][] {p[0]}, p, r::nextDouble, v);
            assertEquals(1, v.accepted());
        }
    }

    @Test
    void greedyVerifierAcceptsTheMatchingPrefix() {
        Verification v = new Verification();
        GreedyVerifier.verify(new int[] {4, 5, 6}, 3, new int[] {4, 5, 7, 9}, v);
        assertEquals(2, v.accepted());
        assertEquals(7, v.next());
        GreedyVerifier.verify(new int[] {4, 5}, 2, new int[] {4, 5, 8}, v);
        assertEquals(2, v.accepted());
        assertEquals(8, v.next());
    }

    @Test
    void chiSquareHelperIsCalibrated() {
        assertEquals(0.05, 1 - Stats.regularizedGammaP(35 / 2.0, 49.80 / 2), 0.002);   // chi2(35) 95th percentile
        assertEquals(0.001, 1 - Stats.regularizedGammaP(35 / 2.0, 66.62 / 2), 0.0002);
    }
}
