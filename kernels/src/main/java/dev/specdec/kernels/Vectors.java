package dev.specdec.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API configuration, probed once. The float species is the platform's preferred one (at
 * most 512 bits: the kernels are written for 4, 8 and 16 float lanes) unless
 * {@code -Dspecdec.vector.bits=128|256|512} chooses another (the choice is measured in the JMH
 * benchmarks, not assumed); {@code -Dspecdec.vector=false} turns every kernel into its scalar
 * reference loop, which the equality tests compare against.
 *
 * <p>Rules every kernel follows, because C2 otherwise runs the Vector API's allocating Java
 * fallback (megabytes per pass, 5-10x slower; the allocation tests catch it at every width the
 * machine runs natively):
 * <ul>
 * <li>every species, shuffle, conversion and part number is a compile-time constant: the lane
 *     count {@code F.length()} folds, so {@code if (L == 8)} picks straight-line code per width;
 * <li>no vector passes through a method call that is not the Vector API's own (a helper C2
 *     declines to inline, e.g. past NodeCountInliningCutoff in a large kernel, boxes its vectors),
 *     so the closing lane sum is written out in each kernel (see {@link #sum});
 * <li>no vector is chosen at run time ({@code k < parts ? lo : hi}): such phis lost the exact class;
 * <li>bytes 4.., 8.. and 12.. of a 16-byte vector reach the float lanes through a constant
 *     {@link #FROM4 rearrange} and a part-0 conversion, never {@code convertShape(B2F, F, part > 0)};
 * <li>no weight read sits in a branch inside a kernel loop (read a block's scale field once, unpack
 *     in registers): C2 hoists such a read's bounds check over the whole loop, the check fails on a
 *     segment's last block, and the method deoptimizes and recompiles without end (Q3_K did, in the
 *     interpreter most of the time).
 * </ul>
 */
public final class Vectors {
    private Vectors() {}

    /** Whether kernels use the Vector API at all. */
    public static final boolean ENABLED = !"false".equals(System.getProperty("specdec.vector"));

    /**
     * The widest float vector this CPU runs in hardware, in bits (what HotSpot reports as the
     * preferred shape: 256 on AVX2, 512 on AVX-512, 128 on NEON and SSE). Wider species work but
     * are emulated by the Vector API in Java code: far slower, and allocating.
     */
    public static final int NATIVE_BITS = VectorShape.preferredShape().vectorBitSize();

    /** The float species every kernel uses. */
    public static final VectorSpecies<Float> F = chooseSpecies();

    private static VectorSpecies<Float> chooseSpecies() {
        String bits = System.getProperty("specdec.vector.bits");
        if (bits == null || bits.isBlank()) {
            // SVE may offer up to 2048 bits; the kernels' lane patterns stop at 16 floats
            int b = NATIVE_BITS >= 512 ? 512 : NATIVE_BITS >= 256 ? 256 : 128;
            return VectorSpecies.of(float.class, VectorShape.forBitSize(b));
        }
        int b = Integer.parseInt(bits.trim());
        if (b != 128 && b != 256 && b != 512) {
            throw new IllegalArgumentException("specdec.vector.bits must be 128, 256 or 512, not " + b);
        }
        return VectorSpecies.of(float.class, VectorShape.forBitSize(b));
    }

    /** Whether the chosen width exceeds what the CPU runs natively (then the Vector API emulates it). */
    public static boolean emulated() {
        return F.vectorBitSize() > NATIVE_BITS;
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
        // the lane sum written out (see sum)
        FloatVector v = acc0.add(acc1);
        if (step == 16) v = v.add(v.rearrange(ROT8));
        if (step >= 8) v = v.add(v.rearrange(ROT4));
        v = v.add(v.rearrange(ROT2));
        float sum = v.add(v.rearrange(ROT1)).lane(0);
        for (; i < n; i++) sum += a[aOff + i] * b[bOff + i];
        return sum;
    }

    /** Lane rotations by 8, 4, 2 and 1: the steps of {@link #sum}'s fixed tree. */
    static final VectorShuffle<Float> ROT8 = rotation(8), ROT4 = rotation(4), ROT2 = rotation(2), ROT1 = rotation(1);

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
     *
     * <p>Kernels write these four lines out instead of calling this: C2 inlines a call only while
     * the caller's graph is small, and a declined call boxes its vector argument (one object per
     * row: the Q6_K and Q4_0 dots at 128 and 256 bits, and the batched path's per-row sums, did).
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

    /** The 16-byte species the block formats load their quants with. */
    static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;

    /**
     * Byte shuffles of a 16-byte vector that bring bytes 4.., 8.. and 12.. to lane 0 (the rest
     * wraps around, unused). At 8 and 4 float lanes a kernel widens bytes 8-15 (and 4-7, 12-15) of
     * a vector of 16 quants as {@code q.rearrange(FROM8).convertShape(B2F, F, 0)}: one pshufb/tbl.
     * {@code convertShape(B2F, F, 1)} would be a slice in the Vector API's Java code (iota,
     * compare, blend, rearrange: six instructions with a constant part, and the allocating
     * fallback with a variable one, which was the decode path at 256 bits on AVX2).
     */
    static final VectorShuffle<Byte> FROM4 = bytesFrom(4), FROM8 = bytesFrom(8), FROM12 = bytesFrom(12);

    private static VectorShuffle<Byte> bytesFrom(int first) {
        return VectorShuffle.fromOp(B128, i -> (i + first) & 15);
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
        if (!ENABLED) return "scalar (specdec.vector=false)";
        String s = "Vector API, " + F.vectorBitSize() + "-bit floats (" + F.length() + " lanes)";
        return emulated() ? s + ", EMULATED: this CPU runs " + NATIVE_BITS + " bits natively" : s;
    }
}
