package dev.specdec.draft;

/**
 * A policy for a generation that shares its target passes with other sequences (a serving engine
 * batching concurrent requests): it drafts the k its inner policy wants while draft rows are worth
 * their cost, and fewer, down to none, once they are not. Alone, a verification row is nearly free
 * (the weights stream anyway); in a pass that already holds many rows it costs what the measured
 * b-row cost curve says, and plain decoding may then give more tokens per unit of time. Each step
 * it takes the n sequences generating now, assumes they draft as it would (every request runs this
 * rule), and picks the k in 0 .. inner k with the most expected tokens per unit of time:
 * Leviathan et al.'s expected tokens over the time of a target pass of n (k + 1) rows plus k draft
 * passes of n rows, as measured on the batch's own passes (the stored {@link CostModel} until
 * they are). With a cost that grows as fast as the rows (a compute-bound pass) that is k = 0 for
 * any batch; with nearly free rows it rarely is.
 *
 * <p>k then depends on what else runs, so under rejection sampling the text of a seed may vary with
 * the load (its distribution does not); under drafter-invariant verification it does not vary.
 */
public final class BatchAwarePolicy implements DraftLengthPolicy {
    private final DraftLengthPolicy inner;
    private final CostModel costs;
    private final BatchLoad load;
    private final AcceptanceRate alpha = new AcceptanceRate();

    /**
     * @param costs the stored cost model: the fallback while the batch's own passes have not been measured
     * @param load  the batch: sequences generating now, and its passes' measured costs
     */
    public BatchAwarePolicy(DraftLengthPolicy inner, CostModel costs, BatchLoad load) {
        if (inner instanceof BatchAwarePolicy)
            throw new IllegalArgumentException("a batch-aware policy around another one");
        this.inner = inner;
        this.costs = costs != null ? costs : CostModel.assumed();
        this.load = load;
    }

    @Override
    public int nextK() {
        int k = inner.nextK();
        double n = load.sequences();
        if (n < 1.5 || k == 0) return k; // alone: the inner policy's choice
        return bestK(n, k, alpha.value());
    }

    /** The k in [0, maxK] with the most expected tokens per unit of time when n sequences share each pass. */
    int bestK(double n, int maxK, double a) {
        int best = 0;
        double bestRate = 1 / cost(n, 0);
        for (int kk = 1; kk <= maxK; kk++) {
            double rate = CostModel.expectedTokens(a, kk) / cost(n, kk);
            if (rate > bestRate) {
                bestRate = rate;
                best = kk;
            }
        }
        return best;
    }

    /**
     * The time of one step when n sequences each draft k tokens: k draft passes of n rows and a
     * target pass of n (k + 1) rows, as measured on this batch's passes; the stored cost model
     * (in single-row passes) while they have not been measured.
     */
    private double cost(double n, int k) {
        int rows = (int) Math.round(n * (k + 1)), draftRows = (int) Math.round(n);
        double target = load.targetPassNanos(rows), draft = k == 0 ? 0 : load.draftPassNanos(draftRows);
        if (!Double.isNaN(target) && !Double.isNaN(draft)) return target + k * draft;
        return costs.passCost(rows) + k * costs.draftPerToken() * costs.passCost(draftRows);
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
