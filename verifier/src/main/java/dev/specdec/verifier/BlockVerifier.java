package dev.specdec.verifier;

import dev.specdec.draft.DraftProposal;
import dev.specdec.sampling.Distribution;
import java.util.function.DoubleSupplier;

/**
 * Block verification (Sun, Mendlovic, Leviathan et al. 2024, "Block Verification Accelerates
 * Speculative Decoding", Algorithm 2): the draft block is accepted jointly rather than token by
 * token. With draft tokens x_1..x_k, q_i the draft's and p_i the target's distribution for x_i:
 * <pre>
 *   w_0 = 1,  w_i = min(1, w_{i-1} p_i(x_i) / q_i(x_i))                     (forwards)
 *   r_i(x) = max(0, w_i p_{i+1}(x) - q_{i+1}(x)),  S_i = sum_x r_i(x)        (i &lt; k)
 *   h_k = w_k,  h_i = S_i / (S_i + 1 - w_i)                                  (0 &lt; i &lt; k)
 *   tau = the largest i in 1..k with u_i &lt; h_i (scanning back from the end), else 0
 *   emit x_1..x_tau, then a token from p_{k+1} if tau = k, else from norm(r_tau)
 * </pre>
 * r_0 = max(0, p_1 - q_1) is the ordinary residual, and for k = 1 the rule is token-wise rejection.
 * Exact, and the expected number of accepted tokens is never below token-wise rejection's (the paper's
 * Theorem 2); equal when drafts are one-hot (deterministic drafts), where S_i = w_i (1 - p_{i+1}(x_{i+1})).
 * Indices in the code are 0-based: draft[i] is x_{i+1}, q[i] and p[i] its distributions, weight[i] is w_i.
 *
 * <p>A pure function of (draft, q, p, uniforms); its scratch buffers are its only state.
 */
public final class BlockVerifier {
    private final float[] residual;
    private final double[] weight = new double[DraftProposal.MAX_TOKENS + 1];
    Mutant mutant = Mutant.NONE;

    public BlockVerifier(int vocab) {
        this.residual = new float[vocab];
    }

    /**
     * @param q       q[i] is the distribution draft token i was drawn from, or null for one-hot (it may be
     *                shorter than p: a draft with a smaller vocabulary, q = 0 beyond it)
     * @param p       p[0..k] target distributions; p[i] is for the position of draft token i
     * @param uniform supplies independent uniforms in [0, 1)
     */
    public void verify(int[] draft, int k, float[][] q, float[][] p, DoubleSupplier uniform, Verification out) {
        if (k == 0) { // plain decoding: one draw from p, as the rejection sampler makes it
            out.set(0, Distribution.inverseCdf(p[0], p[0].length, uniform.getAsDouble()));
            return;
        }
        weight[0] = 1;
        for (int i = 1; i <= k; i++) {
            int x = draft[i - 1];
            double px = prob(p[i - 1], x), qx = draftProb(q, draft, i - 1, x);
            double ratio = mutant == Mutant.ACCEPT_Q_OVER_P ? (px > 0 ? qx / px : 0) : (qx > 0 ? px / qx : 0);
            weight[i] = Math.min(1, weight[i - 1] * ratio);
        }
        if (uniform.getAsDouble() < weight[k]) {
            float[] bonus = p[mutant == Mutant.BONUS_FROM_WRONG_ROW ? k - 1 : k];
            out.set(k, Distribution.inverseCdf(bonus, bonus.length, uniform.getAsDouble()));
            return;
        }
        // back from the end: the first i whose stop test passes is the longest accepted prefix
        for (int tau = k - 1; tau >= 0; tau--) {
            double w = weight[tau];
            if (w == 0) continue; // S = 0: the block cannot stop here (w stays 0 once it is 0)
            double s = fillResidual(p[tau], q, draft, tau, w);
            double h = tau == 0 ? 1 : s / (s + 1 - w);
            if (tau > 0 && !(uniform.getAsDouble() < h)) continue;
            double u = uniform.getAsDouble();
            if (mutant == Mutant.RESIDUAL_WITHOUT_Q || !(s > 0)) {
                // s = 0 only at tau = 0 with p == q up to rounding, where a rejection had probability ~0
                out.set(tau, Distribution.inverseCdf(p[tau], p[tau].length, u));
            } else {
                out.set(tau, Distribution.inverseCdf(residual, residual.length, u * s));
            }
            return;
        }
        throw new IllegalStateException("unreachable: tau = 0 always stops");
    }

    /** residual = max(0, w p - q_tau) over p's vocabulary; returns its sum. q_tau is one-hot at draft[tau] when null. */
    private double fillResidual(float[] pRow, float[][] q, int[] draft, int tau, double w) {
        int n = pRow.length;
        float[] qRow = q == null ? null : q[tau];
        int x = draft[tau];
        double sum = 0;
        for (int j = 0; j < n; j++) {
            double qj = qRow == null ? (j == x ? 1 : 0) : (j < qRow.length ? qRow[j] : 0);
            double r = Math.max(0, w * pRow[j] - qj);
            residual[j] = (float) r;
            sum += residual[j];
        }
        return sum;
    }

    private static double prob(float[] row, int x) {
        return x < row.length ? row[x] : 0;
    }

    private static double draftProb(float[][] q, int[] draft, int i, int x) {
        float[] row = q == null ? null : q[i];
        return row == null ? 1 : prob(row, x);
    }
}
