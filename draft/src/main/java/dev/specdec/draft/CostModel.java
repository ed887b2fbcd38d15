package dev.specdec.draft;

import java.util.Arrays;

/**
 * The costs the adaptive policy weighs, relative to one single-row target pass: {@code pass[b]} is
 * the cost of a target pass over b rows (pass[1] = 1), {@code draftPerToken} the cost of one draft
 * token. Measured by {@code specdec bench} per model file and machine; {@link #assumed} is the prior
 * used until measurements exist.
 */
public record CostModel(double[] pass, double draftPerToken) {

    public CostModel {
        if (pass.length < 2 || pass[1] <= 0) throw new IllegalArgumentException("pass costs must start at b = 1");
        pass = pass.clone();
    }

    /** A prior: b rows cost 1 + 0.1 (b - 1) (memory-bound verification), the draft 10% of the target. */
    public static CostModel assumed() {
        double[] p = new double[DraftProposal.MAX_TOKENS + 2];
        for (int b = 1; b < p.length; b++) p[b] = 1 + 0.1 * (b - 1);
        return new CostModel(p, 0.1);
    }

    /** Cost of a pass over b rows (extrapolated linearly past the measured range). */
    public double passCost(int b) {
        if (b < pass.length && pass[b] > 0) return pass[b];
        int last = pass.length - 1;
        while (last > 1 && pass[last] <= 0) last--;
        double slope = last > 1 ? (pass[last] - pass[1]) / (last - 1) : 0.1;
        return pass[last] + slope * (b - last);
    }

    /**
     * Expected tokens per step with acceptance rate a and k drafts: (1 - a^(k+1)) / (1 - a)
     * (Leviathan et al. 2023).
     */
    public static double expectedTokens(double a, int k) {
        if (a >= 1) return k + 1;
        return (1 - Math.pow(a, k + 1)) / (1 - a);
    }

    /** Expected speedup over plain decoding for acceptance a and k drafts under these costs. */
    public double speedup(double a, int k) {
        return speedup(a, k, draftPerToken);
    }

    /** As {@link #speedup(double, int)} with another draft cost per token (a measured one). */
    public double speedup(double a, int k, double draftCost) {
        return expectedTokens(a, k) / (passCost(k + 1) + k * draftCost);
    }

    /** The k in [1, maxK] that maximizes {@link #speedup}. */
    public int bestK(double a, int maxK) {
        return bestK(a, maxK, draftPerToken);
    }

    /** The k in [1, maxK] that maximizes the speedup with this draft cost per token. */
    public int bestK(double a, int maxK, double draftCost) {
        int best = 1;
        double bs = speedup(a, 1, draftCost);
        for (int k = 2; k <= maxK; k++) {
            double s = speedup(a, k, draftCost);
            if (s > bs) {
                bs = s;
                best = k;
            }
        }
        return best;
    }

    @Override
    public String toString() {
        return "CostModel" + Arrays.toString(Arrays.copyOf(pass, Math.min(pass.length, 18))) + " draft="
                + draftPerToken;
    }
}
