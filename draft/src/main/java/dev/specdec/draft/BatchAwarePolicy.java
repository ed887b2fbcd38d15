package dev.specdec.draft;

import java.util.function.DoubleSupplier;

/**
 * A policy for a generation that shares its target passes with other sequences (a serving engine
 * batching concurrent requests): it drafts the k its inner policy wants while draft rows are worth
 * their cost, and fewer, down to none, once they are not. Alone, a verification row is nearly free
 * (the weights stream anyway); in a pass that already holds many rows it costs what the measured
 * b-row cost curve says, and plain decoding may then give more tokens per unit of time. Each step
 * it takes the n sequences that share the passes lately, assumes they draft as it would (every
 * request runs this rule), and picks the k in 0 .. inner k with the most expected tokens per unit
 * of time: Leviathan et al.'s expected tokens over the {@link CostModel}'s cost of a pass of
 * n (k + 1) rows plus k draft tokens. With a cost curve that grows as fast as the rows (a
 * compute-bound pass) that is k = 0 for any batch; with the memory-bound prior it rarely is.
 *
 * <p>k then depends on what else runs, so under rejection sampling the text of a seed may vary with
 * the load (its distribution does not); under drafter-invariant verification it does not vary.
 */
public final class BatchAwarePolicy implements DraftLengthPolicy {
    private final DraftLengthPolicy inner;
    private final CostModel costs;
    private final DoubleSupplier sequences;
    private final AcceptanceRate alpha = new AcceptanceRate();

    /**
     * @param sequences how many sequences (this one included) shared a target pass lately (1 when alone)
     */
    public BatchAwarePolicy(DraftLengthPolicy inner, CostModel costs, DoubleSupplier sequences) {
        if (inner instanceof BatchAwarePolicy)
            throw new IllegalArgumentException("a batch-aware policy around another one");
        this.inner = inner;
        this.costs = costs != null ? costs : CostModel.assumed();
        this.sequences = sequences;
    }

    @Override
    public int nextK() {
        int k = inner.nextK();
        double n = sequences.getAsDouble();
        if (n < 1.5 || k == 0) return k; // alone: the inner policy's choice
        return bestK(n, k, alpha.value());
    }

    /** The k in [0, maxK] with the most expected tokens per unit of time when n sequences share each pass. */
    int bestK(double n, int maxK, double a) {
        int best = 0;
        double bestRate = 1 / costs.passCost((int) Math.round(n));
        for (int kk = 1; kk <= maxK; kk++) {
            double rate = CostModel.expectedTokens(a, kk)
                    / (costs.passCost((int) Math.round(n * (kk + 1))) + kk * costs.draftPerToken());
            if (rate > bestRate) {
                bestRate = rate;
                best = kk;
            }
        }
        return best;
    }

    @Override
    public float minConfidence() {
        return inner.minConfidence();
    }

    @Override
    public void update(int proposed, int accepted, long draftNanos, long targetNanos) {
        alpha.update(proposed, accepted);
        inner.update(proposed, accepted, draftNanos, targetNanos);
    }

    @Override
    public String name() {
        return inner.name();
    }

    /** The load is read from the clock's world (what else runs), so no run is reproducible through it. */
    @Override
    public boolean reproducible() {
        return false;
    }
}
