package dev.specdec.kernels;

/**
 * Rotary position embedding. The inverse frequencies are computed once per model; a rotation at
 * position p uses angle {@code p * invFreq[i]}. Two pairings: NORMAL rotates (2i, 2i+1) (llama),
 * NEOX rotates (i, i + dims/2) (qwen2, gemma, phi3).
 */
public final class Rope {
    public enum Layout { NORMAL, NEOX }

    private final Layout layout;
    private final int dims;          // rotated dimensions per head (<= head size)
    private final float[] invFreq;   // [dims / 2]
    private final float mscale;      // multiplies cos and sin (LongRoPE's attention factor), 1 otherwise

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
        // float32 iteration theta *= base^(-2/d), as ggml computes it
        float thetaScale = (float) Math.pow(base, -2.0 / dims);
        float theta = 1f;
        for (int i = 0; i < dims / 2; i++) {
            float f = freqFactors != null ? freqFactors[i] : 1f;
            invFreq[i] = theta / f;
            theta *= thetaScale;
        }
    }

    public Layout layout() { return layout; }

    /** The per-pair inverse frequencies (for device backends). */
    public float[] inverseFrequencies() { return invFreq.clone(); }

    /** The factor on cos and sin. */
    public float mscale() { return mscale; }

    /** Rotates {@code heads} heads of {@code headSize} values starting at x[off], at position pos. */
    public void apply(float[] x, int off, int heads, int headSize, int pos) {
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
