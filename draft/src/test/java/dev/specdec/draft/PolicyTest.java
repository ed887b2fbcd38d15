package dev.specdec.draft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specdec.sampling.SamplingParams;
import org.junit.jupiter.api.Test;

/** Each draft-length policy on its own. */
class PolicyTest {

    @Test
    void fixedAlwaysAsksForK() {
        FixedPolicy p = new FixedPolicy(5);
        p.update(5, 0, 1, 1);
        p.update(5, 5, 1, 1);
        assertEquals(5, p.nextK());
        assertEquals(0f, p.minConfidence());
        assertThrows(IllegalArgumentException.class, () -> new FixedPolicy(0));
        assertThrows(IllegalArgumentException.class, () -> new FixedPolicy(65));
    }

    @Test
    void heuristicGrowsByTwoOnFullAcceptanceAndShrinksByOne() {
        HeuristicPolicy p = new HeuristicPolicy(4, 1, 8);
        p.update(4, 4, 1, 1);
        assertEquals(6, p.nextK());
        p.update(6, 6, 1, 1);
        assertEquals(8, p.nextK());
        p.update(8, 8, 1, 1);
        assertEquals(8, p.nextK(), "capped at max");
        p.update(8, 3, 1, 1);
        assertEquals(7, p.nextK());
        for (int i = 0; i < 20; i++) p.update(p.nextK(), 0, 1, 1);
        assertEquals(1, p.nextK(), "floored at min");
        p.update(0, 0, 1, 1);
        assertEquals(1, p.nextK(), "nothing proposed: no change");
    }

    @Test
    void confidenceReportsItsThreshold() {
        ConfidencePolicy p = new ConfidencePolicy(6, 0.3f);
        assertEquals(6, p.nextK());
        assertEquals(0.3f, p.minConfidence());
        assertThrows(IllegalArgumentException.class, () -> new ConfidencePolicy(6, 1.5f));
    }

    @Test
    void adaptiveDraftsMoreWhenAcceptanceIsHighAndLessWhenLow() {
        CostModel costs = CostModel.assumed();
        AdaptivePolicy high = new AdaptivePolicy(12, costs), low = new AdaptivePolicy(12, costs);
        // verification costs what the model says; the draft 10% of a target pass per token
        for (int i = 0; i < 60; i++) {
            int kh = high.nextK(), kl = low.nextK();
            high.update(kh, kh, (long) (kh * 0.1e6), (long) (costs.passCost(kh + 1) * 1e6));
            low.update(kl, 0, (long) (kl * 0.1e6), (long) (costs.passCost(kl + 1) * 1e6));
        }
        assertTrue(high.alpha() > 0.9, "alpha estimate " + high.alpha());
        assertTrue(low.alpha() < 0.1, "alpha estimate " + low.alpha());
        assertTrue(high.nextK() >= 8, "high acceptance should draft long: " + high.nextK());
        assertEquals(1, low.nextK(), "no acceptance: the shortest draft");
        assertEquals(costs.bestK(Math.min(high.alpha(), 0.999), 12), high.nextK());
    }

    @Test
    void promptLookupProposesWhatFollowedTheLastNgram() {
        PromptLookupDrafter d = new PromptLookupDrafter(1, 3, 8);
        int[] ctx = {5, 6, 7, 8, 9, 1, 5, 6, 7};
        DraftProposal p = d.propose(ctx, ctx.length, 4, SamplingParams.greedy(), null, 0f);
        assertEquals(4, p.count()); // 8, 9, 1, 5 follow the earlier "5 6 7"
        assertEquals(8, p.token(0));
        assertEquals(9, p.token(1));
        assertEquals(1, p.token(2));
        assertEquals(5, p.token(3));
        assertEquals(null, p.q(0)); // deterministic: q one-hot
        assertEquals(
                0,
                d.propose(new int[] {1, 2, 3}, 3, 4, SamplingParams.greedy(), null, 0f)
                        .count());
    }

    /** A batch of n sequences whose passes cost {@code fixed + perRow * rows} nanoseconds (NaN: not measured yet). */
    record FakeLoad(double[] n, double fixed, double perRow, double draftPerRow) implements BatchLoad {
        @Override
        public double sequences() {
            return n[0];
        }

        @Override
        public double targetPassNanos(int rows) {
            return fixed + perRow * rows;
        }

        @Override
        public double draftPassNanos(int rows) {
            return draftPerRow * rows;
        }
    }

    /** Batched with others, draft rows cost what the batch's measured passes say: a compute-bound pass makes drafting lose. */
    @Test
    void theBatchAwarePolicyBacksOffWhenDraftRowsStopBeingFree() {
        double[] n = {1};
        // compute-bound: every row costs as much as the first (1 ms), the draft a tenth of that
        BatchAwarePolicy p =
                new BatchAwarePolicy(new FixedPolicy(4), CostModel.assumed(), new FakeLoad(n, 0, 1e6, 1e5));
        for (int i = 0; i < 40; i++) p.update(4, 4, 1, 1); // a draft that is always right
        assertEquals(4, p.nextK(), "alone: the inner policy's k");
        n[0] = 4;
        assertEquals(0, p.nextK(), "4 sequences on compute-bound passes: plain decoding, even with perfect drafts");
        n[0] = 1;
        assertEquals(4, p.nextK(), "alone again: the inner policy's k");
        // memory-bound: a pass costs 20 ms plus 0.1 ms a row; a good draft keeps drafting in a batch of 8
        BatchAwarePolicy q = new BatchAwarePolicy(
                new FixedPolicy(4), CostModel.assumed(), new FakeLoad(new double[] {8}, 20e6, 1e5, 1e4));
        for (int i = 0; i < 40; i++) q.update(4, 4, 1, 1);
        assertEquals(4, q.nextK());
        // and a draft that is always wrong backs off there too
        BatchAwarePolicy r = new BatchAwarePolicy(
                new FixedPolicy(4), CostModel.assumed(), new FakeLoad(new double[] {8}, 20e6, 1e5, 1e4));
        for (int i = 0; i < 40; i++) r.update(4, 0, 1, 1);
        assertEquals(0, r.nextK());
        // nothing measured yet: the stored cost model decides (here a compute-bound profile)
        double[] steep = new double[80];
        for (int b = 1; b < steep.length; b++) steep[b] = b;
        BatchAwarePolicy u = new BatchAwarePolicy(
                new FixedPolicy(4), new CostModel(steep, 0.05), new FakeLoad(new double[] {4}, Double.NaN, 0, 0));
        assertEquals(0, u.nextK());
        assertThrows(
                IllegalArgumentException.class,
                () -> new BatchAwarePolicy(p, CostModel.assumed(), new FakeLoad(n, 0, 1, 1)));
    }

    /**
     * A draft model that skipped steps (or has not seen the prompt) must feed them before it drafts:
     * worth it when many tokens are left to spread that over, not for the last few.
     */
    @Test
    void theBatchAwarePolicyPricesADraftCatchingUp() {
        // 8 sequences on memory-bound target passes (20 ms + 0.1 ms a row), a dear draft (1 ms a row)
        BatchAwarePolicy p = new BatchAwarePolicy(
                new FixedPolicy(4), CostModel.assumed(), new FakeLoad(new double[] {8}, 20e6, 1e5, 1e6));
        for (int i = 0; i < 40; i++) p.update(4, 4, 1, 1);
        assertEquals(4, p.nextK(() -> 0, 8), "in step: drafting pays");
        assertEquals(4, p.nextK(() -> 100, 1000), "100 tokens to catch up, spread over up to 1000 tokens");
        assertEquals(0, p.nextK(() -> 100, 8), "100 tokens to catch up for at most 8 more: plain decoding");
    }
}
