package dev.specdec.verifier;

import dev.specdec.sampling.Distribution;
import java.util.function.DoubleSupplier;

/**
 * Exact speculative sampling (Leviathan et al. 2023; Chen et al. 2023). Draft token x_i, drawn from
 * q_i, is accepted with probability min(1, p_i(x) / q_i(x)); at the first rejection the next token
 * is drawn from norm(max(0, p_i - q_i)); when all k are accepted a bonus token is drawn from p_k.
 * The emitted tokens are then distributed exactly as sampling from p alone. A deterministic draft
 * (q one-hot) is the case q_i(x) = 1: accept with probability p_i(x), else draw from p_i without x.
 *
 * <p>A pure function of (draft, q, p, uniforms); the scratch buffer is its only state.
 */
public final class RejectionSampler {
    private final float[] residual;
    Mutant mutant = Mutant.NONE;

    public RejectionSampler(int vocab) {
        this.residual = new float[vocab];
    }

    /**
     * @param q       q[i] is the distribution draft token i was drawn from, or null for one-hot
     *                (it may be shorter than p: a draft with a smaller vocabulary)
     * @param p       p[0..k] target distributions; p[i] is for the position of draft token i
     * @param uniform supplies independent uniforms in [0, 1)
     */
    public void verify(int[] draft, int k, float[][] q, float[][] p, DoubleSupplier uniform, Verification out) {
        for (int i = 0; i < k; i++) {
            int x = draft[i];
            float[] pi = p[i];
            float px = x < pi.length ? pi[x] : 0f;
            float[] qi = q == null ? null : q[i];
            float qx = qi == null ? 1f : (x < qi.length ? qi[x] : 0f);
            double u = uniform.getAsDouble();
            // accept when u < p/q, i.e. u * q < p (no division, exact for p >= q)
            if (mutant == Mutant.ACCEPT_Q_OVER_P ? px > 0f && u * px < qx : qx > 0f && u * qx < px) continue;
            out.set(
                    i,
                    mutant == Mutant.RESIDUAL_WITHOUT_Q
                            ? sample(pi, uniform.getAsDouble())
                            : sampleResidual(pi, qi, x, uniform.getAsDouble()));
            return;
        }
        out.set(k, sample(p[mutant == Mutant.BONUS_FROM_WRONG_ROW ? Math.max(0, k - 1) : k], uniform.getAsDouble()));
    }

    /** Draws from norm(max(0, p - q)); q null means one-hot at x. */
    private int sampleResidual(float[] p, float[] q, int x, double u) {
        int n = p.length;
        double total = 0;
        for (int j = 0; j < n; j++) {
            float qj = q == null ? (j == x ? 1f : 0f) : (j < q.length ? q[j] : 0f);
            float r = Math.max(0f, p[j] - qj);
            residual[j] = r;
            total += r;
        }
        if (!(total > 0)) return sample(p, u); // p == q up to rounding: rejection had probability ~0
        return Distribution.inverseCdf(residual, n, u * total);
    }

    /** Inverse-CDF draw from p. */
    public static int sample(float[] p, double u) {
        return Distribution.inverseCdf(p, p.length, u);
    }
}
