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

    /** Batched with others, draft rows cost what the pass-cost curve says: a compute-bound curve makes drafting lose. */
    @org.junit.jupiter.api.Test
    void theBatchAwarePolicyBacksOffWhenDraftRowsStopBeingFree() {
        double[] computeBound = new double[80];
        for (int b = 1; b < computeBound.length; b++) computeBound[b] = b; // every row costs as much as the first
        CostModel steep = new CostModel(computeBound, 0.05);
        double[] load = {1};
        BatchAwarePolicy p = new BatchAwarePolicy(new FixedPolicy(4), steep, () -> load[0]);
        assertEquals(4, p.nextK(), "alone: the inner policy's k");
        load[0] = 4;
        assertEquals(0, p.nextK(), "4 sequences on a compute-bound curve: plain decoding");
        // the memory-bound prior: rows nearly free, so a well-accepted draft keeps drafting in a batch
        BatchAwarePolicy q = new BatchAwarePolicy(new FixedPolicy(4), CostModel.assumed(), () -> load[0]);
        for (int i = 0; i < 40; i++) q.update(4, 4, 1, 1);
        assertTrue(q.nextK() >= 1, "k " + q.nextK());
        // and with a poor draft the same prior backs off
        BatchAwarePolicy r = new BatchAwarePolicy(new FixedPolicy(4), CostModel.assumed(), () -> 16);
        for (int i = 0; i < 40; i++) r.update(4, 0, 1, 1);
        assertEquals(0, r.nextK());
        assertThrows(IllegalArgumentException.class, () -> new BatchAwarePolicy(p, steep, () -> 1));
    }
}
