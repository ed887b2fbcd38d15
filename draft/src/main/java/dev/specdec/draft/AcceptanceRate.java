package dev.specdec.draft;

/**
 * The draft's acceptance rate, estimated online: per-token Bernoulli counts with exponential
 * forgetting, from a weak prior of 0.6 worth 5 observations. A rejection at draft position i is i
 * acceptances in i + 1 trials; a fully accepted draft of k is k in k.
 */
final class AcceptanceRate {
    private static final double DECAY = 0.95;

    private double accepted = 3, trials = 5;

    void update(int proposed, int acceptedNow) {
        if (proposed <= 0) return;
        int trialsNow = acceptedNow == proposed ? proposed : acceptedNow + 1;
        accepted = accepted * DECAY + acceptedNow;
        trials = trials * DECAY + trialsNow;
    }

    /** The estimate, below 1 (expected tokens stay finite). */
    double value() {
        return Math.min(accepted / trials, 0.999);
    }
}
