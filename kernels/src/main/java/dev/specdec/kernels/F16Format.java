package dev.specdec.kernels;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/** IEEE half precision, stored little-endian. */
public final class F16Format implements TensorFormat {
    public static final F16Format INSTANCE = new F16Format();

    private F16Format() {}

    // as many shorts as float lanes, so one load widens into one float vector
    private static final VectorSpecies<Short> S =
            VectorSpecies.of(short.class, VectorShape.forBitSize(Math.max(64, Vectors.F.vectorBitSize() / 2)));
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, Vectors.F.vectorShape());
    // 2^112 moves a half's exponent (bias 15) to a float's (bias 127); exact for normals and subnormals
    private static final float EXP_ADJUST = 0x1p112f;

    @Override
    public GgmlType type() {
        return GgmlType.F16;
    }

    @Override
    public float getFloat(MemorySegment w, long index) {
        return LE.f16(w, index * 2);
    }

    @Override
    public void dequantize(MemorySegment w, long offset, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) dst[dstOff + i] = LE.f16(w, offset + 2L * i);
    }

    /*
     * Halves widen to floats bit-exactly (Inf and NaN included) by integer arithmetic, the Vector
     * API having no half-precision conversion:
     *     bits = S2I(h); em = bits & 0x7FFF
     *     mag  = reinterpretAsFloats(em << 13) * 2^112          (normals and subnormals)
     *     mag  = em >= 0x7C00 ? (em << 13) | 0x7F800000 : mag   (Inf/NaN: keep the mantissa, saturate the exponent)
     *     f    = mag | (bits & 0x8000) << 16
     * written out at each use, not in a helper: a vector-returning helper boxed its vectors at 256
     * bits once the JVM had run other formats (the allocation test, F16 KV caches: 2 MB per token).
     */

    /**
     * Dot product of n halves h[hOff..] with x[xOff..] (the F16 KV cache's keys against a query).
     * The summation order depends only on n.
     */
    public static float dot(short[] h, int hOff, float[] x, int xOff, int n) {
        int i = 0;
        float sum = 0f;
        if (Vectors.ENABLED && S.length() == Vectors.F.length()) {
            var F = Vectors.F;
            int L = F.length(), count = n / L;
            FloatVector acc = FloatVector.zero(F);
            for (int k = 0; k < count; k++) {
                i = k * L;
                IntVector bits =
                        (IntVector) ShortVector.fromArray(S, h, hOff + i).convertShape(VectorOperators.S2I, I, 0);
                IntVector em = bits.and(0x7FFF), shifted = em.lanewise(VectorOperators.LSHL, 13);
                IntVector mag = shifted.reinterpretAsFloats()
                        .mul(EXP_ADJUST)
                        .reinterpretAsInts()
                        .blend(shifted.or(0x7F800000), em.compare(VectorOperators.GE, 0x7C00));
                FloatVector f = mag.or(bits.and(0x8000).lanewise(VectorOperators.LSHL, 16))
                        .reinterpretAsFloats();
                acc = f.fma(FloatVector.fromArray(F, x, xOff + i), acc);
            }
            i = count * L;
            // the lane sum of Vectors.sum, written out (a call could box the vector)
            if (L == 16) acc = acc.add(acc.rearrange(Vectors.ROT8));
            if (L >= 8) acc = acc.add(acc.rearrange(Vectors.ROT4));
            acc = acc.add(acc.rearrange(Vectors.ROT2));
            sum = acc.add(acc.rearrange(Vectors.ROT1)).lane(0);
        }
        for (; i < n; i++) sum += Float.float16ToFloat(h[hOff + i]) * x[xOff + i];
        return sum;
    }

    /**
     * out[outOff + i] += w * h[hOff + i] for i < n (the F16 KV cache's values into an attention
     * output): a multiply then an add per element, exactly as the scalar loop rounds them.
     */
    public static void addScaled(float w, short[] h, int hOff, float[] out, int outOff, int n) {
        int i = 0;
        if (Vectors.ENABLED && S.length() == Vectors.F.length()) {
            var F = Vectors.F;
            int L = F.length(), count = n / L;
            for (int k = 0; k < count; k++) {
                i = k * L;
                IntVector bits =
                        (IntVector) ShortVector.fromArray(S, h, hOff + i).convertShape(VectorOperators.S2I, I, 0);
                IntVector em = bits.and(0x7FFF), shifted = em.lanewise(VectorOperators.LSHL, 13);
                IntVector mag = shifted.reinterpretAsFloats()
                        .mul(EXP_ADJUST)
                        .reinterpretAsInts()
                        .blend(shifted.or(0x7F800000), em.compare(VectorOperators.GE, 0x7C00));
                FloatVector f = mag.or(bits.and(0x8000).lanewise(VectorOperators.LSHL, 16))
                        .reinterpretAsFloats();
                f.mul(w).add(FloatVector.fromArray(F, out, outOff + i)).intoArray(out, outOff + i);
            }
            i = count * L;
        }
        for (; i < n; i++) out[outOff + i] += w * Float.float16ToFloat(h[hOff + i]);
    }

    /**
     * A plain loop on purpose: C2's auto-vectorizer turns {@code Float.float16ToFloat} over a
     * segment into vcvtph2ps (16 halves per instruction), measured 25 G values/s on one core
     * against 10 for the Vector API bit manipulation of {@link #dot(short[], int, float[], int, int)}: the Vector API has no
     * half-precision conversion. Exact either way, so every execution tier gives the same floats.
     * No fused dot for the same reason: a single row goes through {@link Matmul#decodedDot}
     * (decode 512 values into L1, multiply), measured faster than a fused dot over that widening
     * at every width (one thread, ns per KiB of weights: 50 vs 65 at 512 bits, 51 vs 92 at 256,
     * 61 vs 177 at 128).
     */
    @Override
    public void decode(MemorySegment w, long offset, float[] dst, int n) {
        for (int i = 0; i < n; i++) dst[i] = Float.float16ToFloat(w.get(LE.SHORT, offset + 2L * i));
    }

    @Override
    public void quantize(float[] src, int srcOff, int n, MemorySegment dst, long dstOff) {
        for (int i = 0; i < n; i++) LE.putF16(dst, dstOff + 2L * i, src[srcOff + i]);
    }
}
