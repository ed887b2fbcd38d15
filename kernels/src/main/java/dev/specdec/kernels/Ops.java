package dev.specdec.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** Row-wise operations of the forward pass. Each works on one row and never looks at others. */
public final class Ops {
    private Ops() {}

    /** out = x / sqrt(mean(x^2) + eps) * w, for one row of n values. */
    public static void rmsNorm(float[] out, int outOff, float[] x, int xOff, float[] w, int n, float eps) {
        float ss = Vectors.dot(x, xOff, x, xOff, n);
        float scale = (float) (1.0 / Math.sqrt(ss / n + eps));
        if (Vectors.ENABLED) {
            var F = Vectors.F;
            int i = 0, upper = F.loopBound(n);
            for (; i < upper; i += F.length()) {
                FloatVector.fromArray(F, x, xOff + i)
                        .mul(scale)
                        .mul(FloatVector.fromArray(F, w, i))
                        .intoArray(out, outOff + i);
            }
            for (; i < n; i++) out[outOff + i] = x[xOff + i] * scale * w[i];
        } else {
            for (int i = 0; i < n; i++) out[outOff + i] = x[xOff + i] * scale * w[i];
        }
    }

    /**
     * In-place softmax of x[off..off+n). Scalar on purpose: the exponentials must stay Math.exp in
     * order (the Vector API's EXP is a C2-only intrinsic whose results differ from its fallback,
     * which would make attention depend on when the JIT compiled this), and a vectorized maximum
     * measured no faster at attention lengths while its loop fell back to allocating Java code in
     * some compilations.
     */
    public static void softmax(float[] x, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, x[off + i]);
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
        scale(x, off, n, 1f / sum);
    }

    /** a[i] = silu(a[i]) * b[i]: the SwiGLU gate. */
    public static void siluMul(float[] a, int aOff, float[] b, int bOff, int n) {
        for (int i = 0; i < n; i++) {
            float g = a[aOff + i];
            a[aOff + i] = g / (1f + (float) Math.exp(-g)) * b[bOff + i];
        }
    }

    /** a[i] = gelu_tanh(a[i]) * b[i]: the GeGLU gate of Gemma. */
    public static void geluMul(float[] a, int aOff, float[] b, int bOff, int n) {
        for (int i = 0; i < n; i++) a[aOff + i] = gelu(a[aOff + i]) * b[bOff + i];
    }

    /** GELU, tanh approximation: 0.5x(1 + tanh(sqrt(2/pi)(x + 0.044715x^3))). */
    public static float gelu(float x) {
        return 0.5f * x * (1f + (float) tanh(0.7978845608028654 * (x + 0.044715f * x * x * x)));
    }

    /**
     * tanh through Math.exp: about ten times faster than StrictMath.tanh, and, unlike Math.tanh
     * (a C2-only intrinsic on recent JDKs), the same in the interpreter and in compiled code, since
     * HotSpot runs Math.exp through one stub in every tier: results must not depend on JIT timing.
     */
    public static double tanh(double x) {
        if (x > 20) return 1;
        if (x < -20) return -1;
        if (Math.abs(x) < 1e-4) return x - x * x * x / 3; // avoids cancellation near 0
        return 1 - 2 / (Math.exp(2 * x) + 1);
    }

    /** x[i] += y[i]. */
    public static void add(float[] x, int xOff, float[] y, int yOff, int n) {
        if (Vectors.ENABLED) {
            var F = Vectors.F;
            int i = 0, upper = F.loopBound(n);
            for (; i < upper; i += F.length()) {
                FloatVector.fromArray(F, x, xOff + i)
                        .add(FloatVector.fromArray(F, y, yOff + i))
                        .intoArray(x, xOff + i);
            }
            for (; i < n; i++) x[xOff + i] += y[yOff + i];
        } else {
            for (int i = 0; i < n; i++) x[xOff + i] += y[yOff + i];
        }
    }

    /** x[i] *= s. */
    public static void scale(float[] x, int off, int n, float s) {
        for (int i = 0; i < n; i++) x[off + i] *= s;
    }

    /** x = cap * tanh(x / cap): Gemma 2's soft-capping. */
    public static void softCap(float[] x, int off, int n, float cap) {
        for (int i = 0; i < n; i++) x[off + i] = cap * (float) tanh(x[off + i] / cap);
    }

    /** Index of the largest value (the first one on ties). */
    public static int argmax(float[] x, int off, int n) {
        int best = 0;
        float bv = x[off];
        for (int i = 1; i < n; i++)
            if (x[off + i] > bv) {
                bv = x[off + i];
                best = i;
            }
        return best;
    }

    /**
     * Index of the first NaN or infinite value of x[0..n), or -1 when all are finite: the check of
     * every weight at load and of every row of logits, so whole vectors are tested at once and only
     * a vector with a bad lane is searched lane by lane.
     */
    public static int firstNonFinite(float[] x, int n) {
        int i = 0;
        if (Vectors.ENABLED) {
            var F = Vectors.F;
            for (int upper = F.loopBound(n); i < upper; i += F.length()) {
                // |v| <= MAX_VALUE is false exactly for NaN and +-Inf
                if (!FloatVector.fromArray(F, x, i)
                        .abs()
                        .compare(VectorOperators.LE, Float.MAX_VALUE)
                        .allTrue()) break;
            }
        }
        for (; i < n; i++) if (!Float.isFinite(x[i])) return i;
        return -1;
    }
}
