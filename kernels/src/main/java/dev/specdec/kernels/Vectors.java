package dev.specdec.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API configuration, probed once. The float species is the platform's preferred one unless
 * {@code -Dspecdec.vector.bits=128|256|512} chooses another (the choice is measured in the JMH
 * benchmarks, not assumed); {@code -Dspecdec.vector=false} turns every kernel into its scalar
 * reference loop, which the equality tests compare against.
 */
public final class Vectors {
    private Vectors() {}

    /** Whether kernels use the Vector API at all. */
    public static final boolean ENABLED = !"false".equals(System.getProperty("specdec.vector"));

    /** The float species every kernel uses. */
    public static final VectorSpecies<Float> F = chooseSpecies();

    private static VectorSpecies<Float> chooseSpecies() {
        String bits = System.getProperty("specdec.vector.bits");
        if (bits == null || bits.isBlank()) return FloatVector.SPECIES_PREFERRED;
        int b = Integer.parseInt(bits.trim());
        if (b != 128 && b != 256 && b != 512) {
            throw new IllegalArgumentException("specdec.vector.bits must be 128, 256 or 512, not " + b);
        }
        return VectorSpecies.of(float.class, VectorShape.forBitSize(b));
    }

    /** Dot product of two float arrays; the accumulation order depends only on n, never on the caller. */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        if (!ENABLED) return scalarDot(a, aOff, b, bOff, n);
        int step = F.length();
        int upper = F.loopBound(n);
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        int i = 0;
        // two accumulators hide FMA latency
        for (; i + step <= upper - step; i += 2 * step) {
            acc0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc0);
            acc1 = FloatVector.fromArray(F, a, aOff + i + step).fma(FloatVector.fromArray(F, b, bOff + i + step), acc1);
        }
        for (; i < upper; i += step) {
            acc0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc0);
        }
        float sum = Vectors.sum(acc0.add(acc1));
        for (; i < n; i++) sum += a[aOff + i] * b[bOff + i];
        return sum;
    }

    /** Lane rotations by 8, 4, 2 and 1: the steps of {@link #sum}'s fixed tree. */
    private static final VectorShuffle<Float> ROT8 = rotation(8), ROT4 = rotation(4), ROT2 = rotation(2), ROT1 = rotation(1);

    private static VectorShuffle<Float> rotation(int by) {
        return VectorShuffle.fromOp(F, i -> (i + by) % F.length());
    }

    /**
     * Sum of the lanes by a fixed pairwise tree: lane i + L/2 is added to lane i, then i + L/4,
     * ... Not {@code reduceLanes(ADD)}: its order is unspecified and differs between the
     * interpreter and C2, which would make a row's logits depend on when its code was compiled,
     * and so break batch invariance. Every step here is a lane-wise IEEE add of lanes chosen by a
     * constant shuffle, so the result is the same in every execution mode; and unlike a lane-by-lane
     * loop (16 extracts in a serial chain) it costs a few instructions.
     */
    public static float sum(FloatVector v) {
        // straight-line (the lane count is a constant): a loop over the steps made C2 box v
        int L = v.length();
        if (L > 8) v = v.add(v.rearrange(ROT8));
        if (L > 4) v = v.add(v.rearrange(ROT4));
        v = v.add(v.rearrange(ROT2));
        v = v.add(v.rearrange(ROT1));
        return v.lane(0);
    }

    /*
     * Bit fields of packed bytes are moved with 16-bit lane shifts and a mask,
     *     q.reinterpretAsShorts().lanewise(LSHR, s).reinterpretAsBytes().and(mask),
     * exact whenever the mask keeps only bits that came from the same byte: x86 has no byte shift,
     * and C2 emulates one with five instructions (widen, shift, mask, extract, pack). The idiom is
     * written out at each use, not in a helper: a helper shared by 128- and 256-bit byte vectors
     * made C2 lose the exact vector class and run the Vector API's allocating Java fallback (the
     * allocation tests caught it, at megabytes per pass).
     */

    static float scalarDot(float[] a, int aOff, float[] b, int bOff, int n) {
        float sum = 0f;
        for (int i = 0; i < n; i++) sum += a[aOff + i] * b[bOff + i];
        return sum;
    }

    /** A short description for logs and benchmark reports. */
    public static String describe() {
        return ENABLED ? "Vector API, " + F.vectorBitSize() + "-bit floats (" + F.length() + " lanes)" : "scalar (specdec.vector=false)";
    }
}
