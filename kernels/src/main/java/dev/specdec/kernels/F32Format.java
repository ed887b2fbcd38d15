package dev.specdec.kernels;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;

/** float32, stored little-endian. */
public final class F32Format implements TensorFormat {
    public static final F32Format INSTANCE = new F32Format();

    private F32Format() {}

    /**
     * At 4 float lanes (128-bit vectors) a single row goes through the batched path instead: the
     * fused dot's two accumulator chains are FMA-latency-bound there, and the 4-row tile's eight
     * are not (one thread, weights from DRAM, ns per KiB: F32 87 against 125).
     */
    @Override
    public boolean fusedDot() {
        return Vectors.F.length() > 4;
    }

    @Override
    public GgmlType type() {
        return GgmlType.F32;
    }

    @Override
    public float getFloat(MemorySegment w, long index) {
        return LE.f32(w, index * 4);
    }

    @Override
    public void dequantize(MemorySegment w, long offset, float[] dst, int dstOff, int n) {
        MemorySegment.copy(w, LE.FLOAT, offset, dst, dstOff, n);
    }

    /** Fused single-row dot; the same products and accumulation order as {@link Matmul}'s batched path. */
    @Override
    public float dot(MemorySegment w, long offset, float[] x, int xOff, int n) {
        if (!Vectors.ENABLED) return dotReference(w, offset, x, xOff, n);
        var F = Vectors.F;
        int L = F.length(), upper = F.loopBound(n), i = 0;
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
        for (; i + 2 * L <= upper; i += 2 * L) {
            a0 = FloatVector.fromMemorySegment(F, w, offset + 4L * i, ByteOrder.LITTLE_ENDIAN)
                    .fma(FloatVector.fromArray(F, x, xOff + i), a0);
            a1 = FloatVector.fromMemorySegment(F, w, offset + 4L * (i + L), ByteOrder.LITTLE_ENDIAN)
                    .fma(FloatVector.fromArray(F, x, xOff + i + L), a1);
        }
        if (i < upper)
            a0 = FloatVector.fromMemorySegment(F, w, offset + 4L * i, ByteOrder.LITTLE_ENDIAN)
                    .fma(FloatVector.fromArray(F, x, xOff + i), a0);
        float tail = 0f;
        for (i = upper; i < n; i++) tail += LE.f32(w, offset + 4L * i) * x[xOff + i];
        // the lane sum of Vectors.sum, written out (a call could box the vector)
        FloatVector v = a0.add(a1);
        if (L == 16) v = v.add(v.rearrange(Vectors.ROT8));
        if (L >= 8) v = v.add(v.rearrange(Vectors.ROT4));
        v = v.add(v.rearrange(Vectors.ROT2));
        return v.add(v.rearrange(Vectors.ROT1)).lane(0) + tail;
    }

    @Override
    public void quantize(float[] src, int srcOff, int n, MemorySegment dst, long dstOff) {
        MemorySegment.copy(src, srcOff, dst, LE.FLOAT, dstOff, n);
    }
}
