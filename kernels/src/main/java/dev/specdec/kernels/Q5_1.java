package dev.specdec.kernels;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q5_1: blocks of 32, {@code { f16 d; f16 m; uint32 qh; uint8 qs[16]; }} (24 bytes); five-bit q
 * assembled as in Q5_0; value = q * d + m.
 */
public final class Q5_1 implements TensorFormat {
    public static final Q5_1 INSTANCE = new Q5_1();

    private Q5_1() {}

    private static final GgmlType T = GgmlType.Q5_1;
    static final int BLOCK = T.blockSize(), BYTES = T.bytesPerBlock();
    private static final int D = T.offset("d"), M = T.offset("m"), QH = T.offset("qh"), QS = T.offset("qs");

    @Override
    public GgmlType type() {
        return T;
    }

    @Override
    public float getFloat(MemorySegment w, long index) {
        return BlockScratch.elementOf(this, w, index);
    }

    @Override
    public void dequantize(MemorySegment w, long offset, float[] dst, int dstOff, int n) {
        for (int b = 0; b < n; b += BLOCK, offset += BYTES) {
            float d = LE.f16(w, offset + D), m = LE.f16(w, offset + M);
            int qh = LE.i32(w, offset + QH);
            for (int j = 0; j < 16; j++) {
                int q = LE.u8(w, offset + QS + j);
                int x0 = (q & 15) | (((qh >>> j) << 4) & 0x10);
                int x1 = (q >>> 4) | ((qh >>> (j + 12)) & 0x10);
                dst[dstOff + b + j] = x0 * d + m;
                dst[dstOff + b + j + 16] = x1 * d + m;
            }
        }
    }

    /**
     * Vectorized, in byte lanes: per half block the nibbles (16-bit lane shifts) or-ed with the
     * fifth bits ({@link Q5Bits}), widened (16 / L conversions) to floats: value q * d + m.
     */
    @Override
    public void decode(MemorySegment w, long offset, float[] dst, int n) {
        var F = Vectors.F;
        int L = F.length(), blocks = n / BLOCK;
        for (int j = 0; j < blocks; j++) {
            long o = offset + (long) j * BYTES;
            FloatVector d = FloatVector.broadcast(F, LE.f16(w, o + D)), m = FloatVector.broadcast(F, LE.f16(w, o + M));
            int qh = LE.i32(w, o + QH);
            ByteVector q = ByteVector.fromMemorySegment(Vectors.B128, w, o + QS, ByteOrder.LITTLE_ENDIAN);
            for (int h = 0; h < 2; h++) {
                // h = 0: low nibbles and qh bits 0-15 (values 0-15); h = 1: high nibbles and bits 16-31
                ByteVector fifth = ((ByteVector) IntVector.broadcast(IntVector.SPECIES_128, qh >>> (16 * h))
                                .reinterpretAsBytes())
                        .rearrange(Q5Bits.SPREAD)
                        .and(Q5Bits.BIT)
                        .lanewise(VectorOperators.UMIN, (byte) 1)
                        .reinterpretAsShorts()
                        .lanewise(VectorOperators.LSHL, 4)
                        .reinterpretAsBytes();
                ByteVector v = q.reinterpretAsShorts()
                        .lanewise(VectorOperators.LSHR, 4 * h)
                        .reinterpretAsBytes()
                        .and((byte) 15)
                        .or(fifth);
                int y = j * BLOCK + 16 * h;
                ((FloatVector) v.convertShape(VectorOperators.B2F, F, 0))
                        .mul(d)
                        .add(m)
                        .intoArray(dst, y);
                if (L <= 8)
                    ((FloatVector) v.rearrange(Vectors.FROM8).convertShape(VectorOperators.B2F, F, 0))
                            .mul(d)
                            .add(m)
                            .intoArray(dst, y + 8);
                if (L == 4) {
                    ((FloatVector) v.rearrange(Vectors.FROM4).convertShape(VectorOperators.B2F, F, 0))
                            .mul(d)
                            .add(m)
                            .intoArray(dst, y + 4);
                    ((FloatVector) v.rearrange(Vectors.FROM12).convertShape(VectorOperators.B2F, F, 0))
                            .mul(d)
                            .add(m)
                            .intoArray(dst, y + 12);
                }
            }
        }
    }

    @Override
    public void quantize(float[] src, int srcOff, int n, MemorySegment dst, long dstOff) {
        for (int b = 0; b < n; b += BLOCK, dstOff += BYTES) {
            float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
            for (int j = 0; j < BLOCK; j++) {
                float v = src[srcOff + b + j];
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            float d = (max - min) / 31f;
            float id = d != 0f ? 1f / d : 0f;
            LE.putF16(dst, dstOff + D, d);
            LE.putF16(dst, dstOff + M, min);
            int qh = 0;
            for (int j = 0; j < 16; j++) {
                int q0 = Math.min(31, (int) ((src[srcOff + b + j] - min) * id + 0.5f));
                int q1 = Math.min(31, (int) ((src[srcOff + b + 16 + j] - min) * id + 0.5f));
                LE.put8(dst, dstOff + QS + j, (q0 & 15) | ((q1 & 15) << 4));
                qh |= ((q0 & 0x10) >>> 4) << j;
                qh |= ((q1 & 0x10) >>> 4) << (j + 16);
            }
            LE.put32(dst, dstOff + QH, qh);
        }
    }
}
