package dev.specdec.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
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

    /**
     * Sum of the lanes, first to last. Not {@code reduceLanes(ADD)}: its order is unspecified and
     * differs between the interpreter and C2, which would make a row's logits depend on when its
     * code was compiled, and so break batch invariance.
     */
    public static float sum(FloatVector v) {
        float s = 0f;
        for (int i = 0; i < v.length(); i++) s += v.lane(i);
        return s;
    }

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
