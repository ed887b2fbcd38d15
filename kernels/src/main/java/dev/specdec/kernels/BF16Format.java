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

    @Override public float dot(MemorySegment w, long offset, float[] x, int xOff, int n) {
        if (!Vectors.ENABLED) return dotReference(w, offset, x, xOff, n);
        return BlockScratch.dot(this, w, offset, x, xOff, n);
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
