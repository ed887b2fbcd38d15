package dev.specdec.kernels;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** float32, stored little-endian. */
public final class F32Format implements TensorFormat {
    public static final F32Format INSTANCE = new F32Format();
    private F32Format() {}

    @Override public GgmlType type() { return GgmlType.F32; }

    @Override public float getFloat(MemorySegment w, long index) { return LE.f32(w, index * 4); }

    @Override public void dequantize(MemorySegment w, long offset, float[] dst, int dstOff, int n) {
        MemorySegment.copy(w, LE.FLOAT, offset, dst, dstOff, n);
    }

    @Override public float dot(MemorySegment w, long offset, float[] x, int xOff, int n) {
        if (!Vectors.ENABLED) return dotReference(w, offset, x, xOff, n);
        var F = Vectors.F;
        int step = F.length();
        int upper = F.loopBound(n);
        FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
        int i = 0;
        for (; i + step <= upper - step; i += 2 * step) {
            acc0 = FloatVector.fromMemorySegment(F, w, offset + i * 4L, ByteOrder.LITTLE_ENDIAN)
                    .fma(FloatVector.fromArray(F, x, xOff + i), acc0);
            acc1 = FloatVector.fromMemorySegment(F, w, offset + (i + step) * 4L, ByteOrder.LITTLE_ENDIAN)
                    .fma(FloatVector.fromArray(F, x, xOff + i + step), acc1);
        }
        for (; i < upper; i += step) {
            acc0 = FloatVector.fromMemorySegment(F, w, offset + i * 4L, ByteOrder.LITTLE_ENDIAN)
                    .fma(FloatVector.fromArray(F, x, xOff + i), acc0);
        }
        float sum = Vectors.sum(acc0.add(acc1));
        for (; i < n; i++) sum += LE.f32(w, offset + i * 4L) * x[xOff + i];
        return sum;
    }

    @Override public void quantize(float[] src, int srcOff, int n, MemorySegment dst, long dstOff) {
        MemorySegment.copy(src, srcOff, dst, LE.FLOAT, dstOff, n);
    }
}
