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
    static long[] simulate(
            Verifier verifier,
            float[][] targetLogits,
            float[][] draftLogits,
            SamplingParams sp,
            int k,
            boolean deterministicDraft,
            long seed) {
        return simulate(verifier, targetLogits, draftLogits, sp, k, deterministicDraft, seed, V);
    }

    /** As above with a draft over the first {@code draftVocab} tokens only: its q rows are that long (q = 0 beyond). */
    static long[] simulate(
            Verifier verifier,
            float[][] targetLogits,
            float[][] draftLogits,
            SamplingParams sp,
            int k,
            boolean deterministicDraft,
            long seed,
            int draftVocab) {
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
            hist[0] = 0; // start token
            while (len < 3) {
                // draft k tokens from q, each conditioned on the previous token
                for (int i = 0; i < k; i++) {
                    int prev = i == 0 ? hist[len - 1] : draft[i - 1];
                    // penalties see the history including the draft tokens before this position
                    System.arraycopy(hist, 0, hd, 0, len);
                    System.arraycopy(draft, 0, hd, len, i);
                    draftDist.compute(draftLogits[prev], sp, hd, len + i, q[i]);
                    if (deterministicDraft) {
                        draft[i] = draftDist.argmaxOf(q[i]);
                        qRows[i] = null;
                    } else {
                        draft[i] = draftDist.sample(q[i], rnd.nextDouble());
                        qRows[i] = q[i];
                    }
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

        @Override
        public void verify(int[] d, int k, float[][] q, float[][] p, DoubleSupplier u, Verification out) {
            s.verify(d, k, q, p, u, out);
        }
    };

    static final Verifier BLOCK = new Verifier() {
        final BlockVerifier s = new BlockVerifier(V);

        @Override
        public void verify(int[] d, int k, float[][] q, float[][] p, DoubleSupplier u, Verification out) {
            s.verify(d, k, q, p, u, out);
        }
    };

    /** Block verification on the same chains: sampled drafts with k = 3 and 4, one-hot drafts, a prefix vocabulary. */
    @ParameterizedTest(name = "block: {0}")
    @MethodSource("blockParams")
    void blockVerificationFollowsTheTargetDistribution(
            String name, SamplingParams sp, int k, boolean deterministic, int draftVocab) {
        float[][] target = chain(11, 1.5), draft = chain(12, 1.5);
        long[] counts = simulate(BLOCK, target, draft, sp, k, deterministic, 99, draftVocab);
        double pv = Stats.chiSquarePValue(counts, expectedJoint(target, sp));
        assertTrue(pv > 0.001, name + ": block verification's joint deviates from the target, p = " + pv);
    }

    static Stream<Arguments> blockParams() {
        return Stream.of(
                Arguments.of("T=1 k=3", SamplingParams.temperature(1f, 1), 3, false, V),
                Arguments.of(
                        "penalties + bias, top-p, k=4",
                        new SamplingParams(1f, 0, 0.9f, 0f, 1.3f, 0.2f, 0.3f, 64, Map.of(2, 1.5f, 4, -2f), 1),
                        4,
                        false,
                        V),
                Arguments.of("one-hot drafts", SamplingParams.temperature(1f, 1), 3, true, V),
                Arguments.of("draft over 4 of 6 tokens", SamplingParams.temperature(1f, 1), 3, false, V - 2));
    }

    /**
     * Block verification accepts at least as many draft tokens as token-wise rejection on average
     * (Sun et al. 2024, Theorem 2), strictly more for sampled drafts here. The expected accepted
     * length of one step is computed EXACTLY for both by enumerating every draft block of a
     * context-free pair (p, q over 3 tokens, k = 3): rejection's E = sum over blocks of q(block)
     * times the sum of prefix products of min(1, p/q); block's from its stop probabilities h_i.
     * The real {@link RejectionSampler} and {@link BlockVerifier} must then accept those means
     * (100,000 verifications; the accepted count's sd is at most k/2, so 4 SE is 0.019).
     */
    @Test
    void blockAcceptsAtLeastAsManyAsRejection() {
        SplittableRandom r = new SplittableRandom(5);
        for (int trial = 0; trial < 20; trial++) {
            int n = 3, k = 3;
            float[] p = randomDist(r, n), q = randomDist(r, n);
            double rejection = 0, block = 0;
            for (int b = 0; b < n * n * n; b++) {
                int[] x = {b % n, b / n % n, b / (n * n)};
                double qb = (double) q[x[0]] * q[x[1]] * q[x[2]];
                double prefix = 1, e = 0;
                for (int i = 0; i < k; i++) {
                    prefix *= Math.min(1, (double) p[x[i]] / q[x[i]]);
                    e += prefix;
                }
                rejection += qb * e;
                // block: weights w_i, stop probabilities h_i, tau = largest i with a stop
                double[] w = new double[k + 1];
                w[0] = 1;
                for (int i = 1; i <= k; i++) w[i] = Math.min(1, w[i - 1] * p[x[i - 1]] / q[x[i - 1]]);
                double none = 1, eb = 0;
                for (int i = k; i >= 1; i--) {
                    double h;
                    if (i == k) h = w[k];
                    else {
                        double s = 0;
                        for (int y = 0; y < n; y++) s += Math.max(0, w[i] * p[y] - q[y]);
                        h = s > 0 ? s / (s + 1 - w[i]) : 0;
                    }
                    eb += none * h * i;
                    none *= 1 - h;
                }
                block += qb * eb;
            }
            assertTrue(block >= rejection - 1e-9, "block " + block + " < rejection " + rejection);
            if (trial < 5) {
                // and the real verifiers accept on average what the formulas say (within 4 standard errors)
                assertEquals(
                        rejection, meanAccepted(CORRECT, p, q, k, r.split()), 4 * Math.sqrt(k * k / 4.0 / 100_000));
                assertEquals(block, meanAccepted(BLOCK, p, q, k, r.split()), 4 * Math.sqrt(k * k / 4.0 / 100_000));
            }
        }
    }

    /** Mean accepted draft tokens of 100,000 verifications of blocks drawn from q (context-free p and q). */
    static double meanAccepted(Verifier v, float[] p, float[] q, int k, SplittableRandom r) {
        float[][] ps = new float[k + 1][], qs = new float[k][];
        for (int i = 0; i <= k; i++) ps[i] = p;
        for (int i = 0; i < k; i++) qs[i] = q;
        int[] d = new int[k];
        Verification out = new Verification();
        long sum = 0;
        for (int t = 0; t < 100_000; t++) {
            for (int i = 0; i < k; i++) d[i] = Distribution.inverseCdf(q, q.length, r.nextDouble());
            v.verify(d, k, qs, ps, r::nextDouble, out);
            sum += out.accepted();
        }
        return sum / 100_000.0;
    }

    static float[] randomDist(SplittableRandom r, int n) {
        float[] d = new float[n];
        double s = 0;
        for (int i = 0; i < n; i++) {
            d[i] = (float) Math.pow(r.nextDouble(), 3) + 1e-3f;
            s += d[i];
        }
        for (int i = 0; i < n; i++) d[i] /= s;
        return d;
    }

    static Stream<Arguments> params() {
        return Stream.of(
                Arguments.of("T=1", SamplingParams.temperature(1f, 1), 3, false),
                Arguments.of(
                        "T=0.7 top-k 4", new SamplingParams(0.7f, 4, 1f, 0f, 1f, 0f, 0f, 64, Map.of(), 1), 2, false),
                Arguments.of(
                        "T=1.3 top-p 0.8",
                        new SamplingParams(1.3f, 0, 0.8f, 0f, 1f, 0f, 0f, 64, Map.of(), 1),
                        4,
                        false),
                Arguments.of("min-p 0.15", new SamplingParams(1f, 0, 1f, 0.15f, 1f, 0f, 0f, 64, Map.of(), 1), 3, false),
                Arguments.of(
                        "penalties + bias",
                        new SamplingParams(1f, 0, 1f, 0f, 1.3f, 0.2f, 0.3f, 64, Map.of(2, 1.5f, 4, -2f), 1),
                        3,
                        false),
                Arguments.of(
                        "top-k 5 top-p 0.9 min-p 0.05",
                        new SamplingParams(0.9f, 5, 0.9f, 0.05f, 1f, 0f, 0f, 64, Map.of(), 1),
                        2,
                        false),
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
        assertTrue(
                pv > 0.001,
                "draft over " + (V - 2) + " of " + V + " tokens: the joint deviates from the target, p = " + pv);
    }

    @Test
    void theTestHasTeeth() {
        float[][] target = chain(11, 1.5), draft = chain(12, 1.5);
        SamplingParams sp = SamplingParams.temperature(1f, 1);
        double[] expected = expectedJoint(target, sp);
        Verifier alwaysAccept = (d, k, q, p, u, out) -> out.set(k, RejectionSampler.sample(p[k], u.getAsDouble()));
        Verifier resampleFromP = new Verifier() {
            @Override
            public void verify(int[] d, int k, float[][] q, float[][] p, DoubleSupplier u, Verification out) {
                for (int i = 0; i < k; i++) {
                    float qx = q[i] == null ? 1f : q[i][d[i]];
                    if (u.getAsDouble() * qx < p[i][d[i]]) continue;
                    out.set(i, RejectionSampler.sample(p[i], u.getAsDouble())); // BUG: p instead of the residual
                    return;
                }
                out.set(k, RejectionSampler.sample(p[k], u.getAsDouble()));
            }
        };
        Verifier acceptWithPOnly = (d, k, q, p, u, out) -> { // BUG: ignores q (accepts with p(x))
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
        assertEquals(0.05, 1 - Stats.regularizedGammaP(35 / 2.0, 49.80 / 2), 0.002); // chi2(35) 95th percentile
        assertEquals(0.001, 1 - Stats.regularizedGammaP(35 / 2.0, 66.62 / 2), 0.0002);
    }
}
