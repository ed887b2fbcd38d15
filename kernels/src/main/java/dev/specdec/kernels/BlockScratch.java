package dev.specdec.kernels;

import java.lang.foreign.MemorySegment;

/** The scalar element accessor of the block formats: dequantize the block, pick the element. */
final class BlockScratch {
    private BlockScratch() {}

    /** Index helper for scalar getFloat: dequantizes the block holding {@code index}. */
    static float elementOf(TensorFormat f, MemorySegment w, long index) {
        int bs = f.type().blockSize();
        long block = index / bs;
        float[] tmp = new float[bs];
        f.dequantize(w, block * f.type().bytesPerBlock(), tmp, 0, bs);
        return tmp[(int) (index % bs)];
    }
}
