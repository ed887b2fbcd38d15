package dev.specdec.kernels;

import java.lang.foreign.MemorySegment;

/**
 * The dot product for formats without a fused kernel: each block is dequantized once into a
 * per-thread scratch buffer and then multiplied with the vector dot. Block sums are added in block
 * order, so the result is independent of who calls.
 */
final class BlockScratch {
    private BlockScratch() {}

    private static final int CHUNK = 256;
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[CHUNK]);

    static float dot(TensorFormat f, MemorySegment w, long offset, float[] x, int xOff, int n) {
        // 256 values at a time: a multiple of every block size (1, 32, 256)
        float[] scratch = SCRATCH.get();
        float sum = 0f;
        for (int i = 0; i < n; i += CHUNK) {
            int len = Math.min(CHUNK, n - i);
            f.dequantize(w, offset, scratch, 0, len);
            offset += f.type().bytesFor(len);
            sum += Vectors.dot(scratch, 0, x, xOff + i, len);
        }
        return sum;
    }

    /** Index helper for scalar getFloat: dequantizes the block holding {@code index}. */
    static float elementOf(TensorFormat f, MemorySegment w, long index) {
        int bs = f.type().blockSize();
        long block = index / bs;
        float[] tmp = new float[bs];
        f.dequantize(w, block * f.type().bytesPerBlock(), tmp, 0, bs);
        return tmp[(int) (index % bs)];
    }
}
