package dev.specdec.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;

/**
 * Rotary position embedding. The inverse frequencies are computed once per model; a rotation at
 * position p uses angle {@code p * invFreq[i]}. Two pairings: NORMAL rotates (2i, 2i+1) (llama),
 * NEOX rotates (i, i + dims/2) (qwen2, gemma, phi3).
 */
public final class Rope {
    public enum Layout {
        NORMAL,
        NEOX
    }

    private final Layout layout;
    private final int dims; // rotated dimensions per head (<= head size)
    private final float[] invFreq; // [dims / 2]
    private final float mscale; // multiplies cos and sin (LongRoPE's attention factor), 1 otherwise

    /**
     * @param freqFactors per-pair divisors (Llama 3.1's rope_freqs, Phi-3's LongRoPE factors), or null
     */
    public Rope(Layout layout, int dims, double base, float[] freqFactors) {
        this(layout, dims, base, freqFactors, 1f);
    }

    public Rope(Layout layout, int dims, double base, float[] freqFactors, float mscale) {
        if (dims % 2 != 0) throw new IllegalArgumentException("rope dimension must be even, got " + dims);
        this.layout = layout;
        this.dims = dims;
        this.invFreq = new float[dims / 2];
        this.mscale = mscale;
        this.table = ThreadLocal.withInitial(() -> new float[2 * dims]);
        // float32 iteration theta *= base^(-2/d), as ggml computes it
        float thetaScale = (float) Math.pow(base, -2.0 / dims);
        float theta = 1f;
        for (int i = 0; i < dims / 2; i++) {
            float f = freqFactors != null ? freqFactors[i] : 1f;
            invFreq[i] = theta / f;
            theta *= thetaScale;
        }
    }

    public Layout layout() {
        return layout;
    }

    /** The per-pair inverse frequencies (for device backends). */
    public float[] inverseFrequencies() {
        return invFreq.clone();
    }

    /** The factor on cos and sin. */
    public float mscale() {
        return mscale;
    }

    /** Lane i takes lane i ^ 1: swaps the two values of each NORMAL pair. */
    private static final VectorShuffle<Float> PAIR_SWAP = VectorShuffle.fromOp(Vectors.F, i -> i ^ 1);

    /** Per thread: cos and sin per rotated dimension at the current position (pairs spread out for NORMAL). */
    private final ThreadLocal<float[]> table;

    /**
     * Rotates {@code heads} heads of {@code headSize} values starting at x[off], at position pos.
     * Vectorized with the scalar loop's exact arithmetic per value ({@code x0*cos - x1*sin} and
     * {@code x0*sin + x1*cos}, each product rounded, then the sum), so the two agree bitwise.
     */
    public void apply(float[] x, int off, int heads, int headSize, int pos) {
        int half = dims / 2;
        if (!Vectors.ENABLED || dims < Vectors.F.length()) {
            applyScalar(x, off, heads, headSize, pos);
            return;
        }
        var F = Vectors.F;
        int L = F.length();
        float[] t = table.get(); // cos at [0, dims), sin at [dims, 2 dims)
        for (int i = 0; i < half; i++) {
            float angle = pos * invFreq[i];
            float cos = (float) Math.cos(angle) * mscale, sin = (float) Math.sin(angle) * mscale;
            if (layout == Layout.NORMAL) {
                // x' = x * cos + swap(x) * sin, with sin negated on the first of each pair
                t[2 * i] = cos;
                t[2 * i + 1] = cos;
                t[dims + 2 * i] = -sin;
                t[dims + 2 * i + 1] = sin;
            } else {
                t[i] = cos;
                t[dims + i] = sin;
            }
        }
        for (int h = 0; h < heads; h++) {
            int base = off + h * headSize;
            if (layout == Layout.NORMAL) {
                int i = 0;
                for (; i + L <= dims; i += L) {
                    FloatVector v = FloatVector.fromArray(F, x, base + i);
                    FloatVector c = FloatVector.fromArray(F, t, i), sn = FloatVector.fromArray(F, t, dims + i);
                    v.mul(c).add(v.rearrange(PAIR_SWAP).mul(sn)).intoArray(x, base + i);
                }
                for (; i < dims; i += 2) {
                    float x0 = x[base + i], x1 = x[base + i + 1], c = t[i], sn = t[dims + i + 1];
                    x[base + i] = x0 * c - x1 * sn;
                    x[base + i + 1] = x0 * sn + x1 * c;
                }
            } else {
                int i = 0;
                for (; i + L <= half; i += L) {
                    FloatVector a = FloatVector.fromArray(F, x, base + i),
                            b = FloatVector.fromArray(F, x, base + half + i);
                    FloatVector c = FloatVector.fromArray(F, t, i), sn = FloatVector.fromArray(F, t, dims + i);
                    a.mul(c).sub(b.mul(sn)).intoArray(x, base + i);
                    a.mul(sn).add(b.mul(c)).intoArray(x, base + half + i);
                }
                for (; i < half; i++) {
                    float x0 = x[base + i], x1 = x[base + half + i], c = t[i], sn = t[dims + i];
                    x[base + i] = x0 * c - x1 * sn;
                    x[base + half + i] = x0 * sn + x1 * c;
                }
            }
        }
    }

    /** The reference: one pair at a time. */
    void applyScalar(float[] x, int off, int heads, int headSize, int pos) {
        int half = dims / 2;
        for (int i = 0; i < half; i++) {
            float angle = pos * invFreq[i];
            float cos = (float) Math.cos(angle) * mscale, sin = (float) Math.sin(angle) * mscale;
            for (int h = 0; h < heads; h++) {
                int base = off + h * headSize;
                int a = layout == Layout.NORMAL ? base + 2 * i : base + i;
                int b = layout == Layout.NORMAL ? a + 1 : base + i + half;
                float x0 = x[a], x1 = x[b];
                x[a] = x0 * cos - x1 * sin;
                x[b] = x0 * sin + x1 * cos;
            }
        }
    }
}
