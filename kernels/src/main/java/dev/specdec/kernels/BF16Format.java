package dev.specdec.kernels;

import java.lang.foreign.MemorySegment;

/** bfloat16: the upper half of a float32. Round-to-nearest-even on quantization, as ggml does. */
public final class BF16Format implements TensorFormat {
    public static final BF16Format INSTANCE = new BF16Format();
    private BF16Format() {}

    @Override public GgmlType type() { return GgmlType.BF16; }

    @Override public float getFloat(MemorySegment w, long index) { return LE.bf16(w, index * 2); }

    @Override public void dequantize(MemorySegment w, long offset, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) dst[dstOff + i] = LE.bf16(w, offset + 2L * i);
    }


    @Override public void decode(MemorySegment w, long offset, float[] dst, int n) {
        var F = Vectors.F;
        var S = jdk.incubator.vector.VectorSpecies.of(short.class, jdk.incubator.vector.VectorShape.forBitSize(Math.max(64, F.vectorBitSize() / 2)));
        if (S.length() != F.length()) { dequantize(w, offset, dst, 0, n); return; }
        var I = jdk.incubator.vector.VectorSpecies.of(int.class, F.vectorShape());
        int L = F.length(), i = 0;
        for (; i + L <= n; i += L) {
            var h = jdk.incubator.vector.ShortVector.fromMemorySegment(S, w, offset + 2L * i, java.nio.ByteOrder.LITTLE_ENDIAN);
            ((jdk.incubator.vector.IntVector) h.convertShape(jdk.incubator.vector.VectorOperators.S2I, I, 0))
                    .lanewise(jdk.incubator.vector.VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, i);
        }
        for (; i < n; i++) dst[i] = LE.bf16(w, offset + 2L * i);
    }

    @Override public void quantize(float[] src, int srcOff, int n, MemorySegment dst, long dstOff) {
        for (int i = 0; i < n; i++) LE.put16(dst, dstOff + 2L * i, fromFloat(src[srcOff + i]));
    }

    static short fromFloat(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7fffffff) > 0x7f800000) return (short) ((bits >>> 16) | 64); // quiet NaN
        return (short) ((bits + (0x7fff + ((bits >>> 16) & 1))) >>> 16);
    }
}
