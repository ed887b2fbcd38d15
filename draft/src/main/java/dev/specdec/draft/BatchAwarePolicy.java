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
 * they are), plus what a draft model that skipped steps must feed before it drafts again. With a
 * cost that grows as fast as the rows (a compute-bound pass) that is k = 0 for any batch; with
 * nearly free rows it rarely is.
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
        return nextK(() -> 0, Integer.MAX_VALUE);
    }

    @Override
    public int nextK(java.util.function.IntSupplier catchUp, int remaining) {
        int k = inner.nextK();
        double n = load.sequences();
        if (n < 1.5 || k == 0) return k; // alone: the inner policy's choice
        return bestK(n, k, alpha.value(), catchUp.getAsInt(), remaining);
    }

    /** The k in [0, maxK] with the most expected tokens per unit of time when n sequences share each pass. */
    int bestK(double n, int maxK, double a) {
        return bestK(n, maxK, a, 0, Integer.MAX_VALUE);
    }

    private int bestK(double n, int maxK, double a, int catchUp, int remaining) {
        boolean measured = !Double.isNaN(load.targetPassNanos(1));
        int best = 0;
        double bestRate = 1 / cost(n, 0, 0, remaining, measured);
        for (int kk = 1; kk <= maxK; kk++) {
            double tokens = CostModel.expectedTokens(a, kk);
            double rate = tokens / cost(n, kk, catchUp, remaining / tokens, measured);
            if (rate > bestRate) {
                bestRate = rate;
                best = kk;
            }
        }
        return best;
    }

    /**
     * The time of one step when n sequences each draft k tokens: k draft passes of n rows and a
     * target pass of n (k + 1) rows. A draft that must first catch up on tokens it skipped puts
     * them in its first draft pass; that is paid once for the steps left (at most {@code steps}),
     * so it is spread over them. Times are those measured on this batch's passes; in the stored
     * cost model's units (single-row target passes) before any target pass was measured.
     */
    private double cost(double n, int k, int catchUp, double steps, boolean measured) {
        int seqs = (int) Math.round(n);
        double c = target((int) Math.round(n * (k + 1)), measured);
        if (k == 0) return c;
        c += k * draft(seqs, measured);
        if (catchUp > 0) c += (draft(seqs + catchUp, measured) - draft(seqs, measured)) / Math.max(1, steps);
        return c;
    }

    private double target(int rows, boolean measured) {
        return measured ? load.targetPassNanos(rows) : costs.passCost(rows);
    }

    /** A draft pass: measured, or (never measured yet) the stored draft-to-target ratio of a target pass. */
    private double draft(int rows, boolean measured) {
        double d = measured ? load.draftPassNanos(rows) : Double.NaN;
        return Double.isNaN(d) ? costs.draftPerToken() * target(rows, measured) : d;
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
