package dev.specdec.kernels;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/** bfloat16: the upper half of a float32. Round-to-nearest-even on quantization, as ggml does. */
public final class BF16Format implements TensorFormat {
    public static final BF16Format INSTANCE = new BF16Format();

    private BF16Format() {}

    @Override
    public GgmlType type() {
        return GgmlType.BF16;
    }

    @Override
    public float getFloat(MemorySegment w, long index) {
        return LE.bf16(w, index * 2);
    }

    // as many shorts as float lanes, so one load widens into one float vector; constants, so C2 intrinsifies
    private static final VectorSpecies<Short> S =
            VectorSpecies.of(short.class, VectorShape.forBitSize(Math.max(64, Vectors.F.vectorBitSize() / 2)));
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, Vectors.F.vectorShape());

    @Override
    public void dequantize(MemorySegment w, long offset, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) dst[dstOff + i] = LE.bf16(w, offset + 2L * i);
    }

    /**
     * Vectorized: shorts widened to ints and shifted into the top half (the species are constants).
     * The widening is written out at each use rather than in a helper: a vector-returning helper
     * that C2 did not inline boxed its vectors once the JVM had run other formats (the allocation
     * tests caught it).
     */
    @Override
    public void decode(MemorySegment w, long offset, float[] dst, int n) {
        int L = Vectors.F.length(), i = 0;
        if (Vectors.ENABLED && S.length() == L) {
            int count = n / L;
            for (int k = 0; k < count; k++) {
                i = k * L;
                ((IntVector) ShortVector.fromMemorySegment(S, w, offset + 2L * i, ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.S2I, I, 0))
                        .lanewise(VectorOperators.LSHL, 16)
                        .reinterpretAsFloats()
                        .intoArray(dst, i);
            }
            i = count * L;
        }
        for (; i < n; i++) dst[i] = LE.bf16(w, offset + 2L * i);
    }

    /**
     * At 4 float lanes (128-bit vectors) a single row goes through the batched path instead: the
     * fused dot's two accumulator chains are FMA-latency-bound there, and the 4-row tile's eight
     * are not (one thread, weights from DRAM, ns per KiB: BF16 129 against 214).
     */
    @Override
    public boolean fusedDot() {
        return Vectors.ENABLED && S.length() == Vectors.F.length() && Vectors.F.length() > 4;
    }

    /** Fused single-row dot; the same products and accumulation order as {@link Matmul}'s batched path. */
    @Override
    public float dot(MemorySegment w, long offset, float[] x, int xOff, int n) {
        if (!fusedDot()) return TensorFormat.super.dot(w, offset, x, xOff, n);
        var F = Vectors.F;
        int L = F.length(), upper = F.loopBound(n), pairs = upper / (2 * L), i;
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        for (int k = 0; k < pairs; k++) {
            i = k * 2 * L;
            a0 = ((IntVector) ShortVector.fromMemorySegment(S, w, offset + 2L * i, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 16)
                    .reinterpretAsFloats()
                    .fma(FloatVector.fromArray(F, x, xOff + i), a0);
            a1 = ((IntVector) ShortVector.fromMemorySegment(S, w, offset + 2L * (i + L), ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 16)
                    .reinterpretAsFloats()
                    .fma(FloatVector.fromArray(F, x, xOff + i + L), a1);
        }
        i = pairs * 2 * L;
        if (i < upper)
            a0 = ((IntVector) ShortVector.fromMemorySegment(S, w, offset + 2L * i, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 16)
                    .reinterpretAsFloats()
                    .fma(FloatVector.fromArray(F, x, xOff + i), a0);
        float tail = 0f;
        for (i = upper; i < n; i++) tail += LE.bf16(w, offset + 2L * i) * x[xOff + i];
        // the lane sum of Vectors.sum, written out (a call could box the vector)
        FloatVector v = a0.add(a1);
        if (L == 16) v = v.add(v.rearrange(Vectors.ROT8));
        if (L >= 8) v = v.add(v.rearrange(Vectors.ROT4));
        v = v.add(v.rearrange(Vectors.ROT2));
        return v.add(v.rearrange(Vectors.ROT1)).lane(0) + tail;
    }

    @Override
    public void quantize(float[] src, int srcOff, int n, MemorySegment dst, long dstOff) {
        for (int i = 0; i < n; i++) LE.put16(dst, dstOff + 2L * i, fromFloat(src[srcOff + i]));
    }

    static short fromFloat(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7fffffff) > 0x7f800000) return (short) ((bits >>> 16) | 64); // quiet NaN
        return (short) ((bits + (0x7fff + ((bits >>> 16) & 1))) >>> 16);
    }
}
