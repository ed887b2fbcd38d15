package dev.specdec.kernels;

import java.lang.foreign.MemorySegment;

/**
 * The arithmetic of one tensor type: its block layout is private to the implementing class, which
 * offers a scalar reference ({@link #getFloat}), block dequantization, a vectorized dot product
 * against float activations, and quantization from floats (for the writer and tests).
 *
 * <p>All offsets address the weight segment in bytes at a block boundary; {@code n} is a multiple
 * of the type's block size.
 */
public sealed interface TensorFormat
        permits F32Format, F16Format, BF16Format, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K {

    GgmlType type();

    /** Scalar reference: element {@code index} of a tensor that starts at byte 0 of {@code w}. */
    float getFloat(MemorySegment w, long index);

    /** Dequantizes {@code n} values starting at byte {@code offset} into {@code dst[dstOff..]}. */
    void dequantize(MemorySegment w, long offset, float[] dst, int dstOff, int n);

    /**
     * Vectorized dequantization of {@code n} values (a multiple of the block size) at
     * byte {@code offset} into {@code dst[0..n)}: the batched matmul decodes each weight
     * row once with this and uses it for every activation row. The default is the scalar path.
     */
    default void decode(MemorySegment w, long offset, float[] dst, int n) {
        dequantize(w, offset, dst, 0, n);
    }

    /**
     * Dot product of {@code n} weights starting at byte {@code offset} with {@code x[xOff..xOff+n)},
     * through the same code as the batched matmul (so a single dot equals a batched row bitwise).
     */
    default float dot(MemorySegment w, long offset, float[] x, int xOff, int n) {
        return Matmul.decodedDot(this, w, offset, x, xOff, n);
    }

    /** Two dots at once: y[yOff + t * yStride] = dot(w, offset, x, xOff + t * stride, n) for t < 2, bitwise. */
    default void dot2(
            MemorySegment w, long offset, float[] x, int xOff, int stride, int n, float[] y, int yOff, int yStride) {
        for (int t = 0; t < 2; t++) y[yOff + t * yStride] = dot(w, offset, x, xOff + t * stride, n);
    }

    /**
     * Up to how many activation rows the batched matmul runs {@link #dot2} (pairs of rows, one
     * sequential pass over each weight row, lanes decoded once per pair) rather than decoding whole
     * weight rows into a buffer shared by all rows; 0 where dot2 is just two dots. The crossover
     * is measured per format: a cheap decode (Q8_0, Q4_0) favours pairs for longer.
     */
    default int pairRows() {
        return 0;
    }

    /**
     * Whether a single activation row (a decode step) runs {@link #dot}, which then decodes in
     * registers; otherwise it takes the batched path (whole weight rows decoded once into a buffer,
     * a 4-row tile), which is what batches of rows do (or {@link #dot2}). Measured per format and
     * vector width: a fused dot must beat the batched path per weight byte to be used.
     */
    default boolean fusedDot() {
        return false;
    }

    /** Quantizes {@code n} floats of {@code src[srcOff..]} into {@code dst} at byte {@code dstOff}. */
    void quantize(float[] src, int srcOff, int n, MemorySegment dst, long dstOff);

    /** Scalar reference dot: dequantize, then multiply in order. Used by tests and the scalar mode. */
    default float dotReference(MemorySegment w, long offset, float[] x, int xOff, int n) {
        float[] tmp = new float[n];
        dequantize(w, offset, tmp, 0, n);
        return Vectors.scalarDot(tmp, 0, x, xOff, n);
    }

    /** Quantizes a float array into a fresh heap segment. */
    default MemorySegment quantize(float[] src) {
        GgmlType t = type();
        if (src.length % t.blockSize() != 0) {
            throw new IllegalArgumentException(
                    t + " needs a multiple of " + t.blockSize() + " values, got " + src.length);
        }
        MemorySegment dst = MemorySegment.ofArray(new byte[(int) t.bytesFor(src.length)]);
        quantize(src, 0, src.length, dst, 0);
        return dst;
    }
}
