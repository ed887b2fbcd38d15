package dev.specdec.draft;

/**
 * Chooses the k that maximizes expected tokens per unit of time: it estimates the acceptance rate
 * online (per-token Bernoulli counts with exponential forgetting, starting from a weak prior of
 * 0.6) and weighs it against a {@link CostModel} of this machine, whose draft cost it refines from
 * the measured times.
 *
 * <p>The deterministic variant ({@code adaptive-deterministic}) never reads the clock: it keeps the
 * cost model's draft cost and decides from the acceptance outcomes alone, so a fixed seed gives the
 * same k sequence, hence the same run, every time. The learning one adapts to the machine's load
 * and so may choose another k in a rerun.
 */
public final class AdaptivePolicy implements DraftLengthPolicy {
    private final int maxK;
    private final CostModel costs; // the machine's pass costs; the draft cost is learned in update
    private final boolean deterministic; // true: the stored draft cost is kept, measured times are ignored
    private double draftPerToken;
    private final AcceptanceRate acceptance = new AcceptanceRate();
    private double singlePassNanos = -1;
    private int k;

    public AdaptivePolicy(int maxK, CostModel costs) {
        this(maxK, costs, false);
    }

    /** @param deterministic decide from outcomes and {@code costs} only, never from measured times */
    public AdaptivePolicy(int maxK, CostModel costs, boolean deterministic) {
        DraftLengthPolicy.checkK(maxK);
        this.maxK = maxK;
        this.deterministic = deterministic;
        this.costs = costs != null ? costs : CostModel.assumed();
        this.draftPerToken = this.costs.draftPerToken();
        this.k = choose();
    }

    public double alpha() {
        return acceptance.value();
    }

    @Override
    public int nextK() {
        return k;
    }

    @Override
    public void update(int proposed, int accepted, long draftNanos, long targetNanos) {
        if (proposed <= 0) return;
        acceptance.update(proposed, accepted);
        if (deterministic) {
            k = choose();
            return;
        }
        // learn this run's real cost of a draft token relative to a single-row target pass
        double est = targetNanos / costs.passCost(Math.min(proposed + 1, maxK + 1));
        singlePassNanos = singlePassNanos < 0 ? est : 0.8 * singlePassNanos + 0.2 * est;
        if (singlePassNanos > 0)
            draftPerToken = 0.8 * draftPerToken + 0.2 * (draftNanos / (double) proposed / singlePassNanos);
        k = choose();
    }

    private int choose() {
        return costs.bestK(alpha(), maxK, draftPerToken);
    }

    @Override
    public boolean reproducible() {
        return deterministic;
    }

    @Override
    public String name() {
        return deterministic ? "adaptive-deterministic" : "adaptive";
    }
}
