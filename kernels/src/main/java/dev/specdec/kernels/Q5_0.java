package dev.specdec.kernels;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q5_0: blocks of 32, {@code { f16 d; uint32 qh; uint8 qs[16]; }} (22 bytes). The low four bits
 * come from the nibbles as in Q4_0; bit j of qh is the fifth bit of value j; value = (q - 16) * d.
 */
public final class Q5_0 implements TensorFormat {
    public static final Q5_0 INSTANCE = new Q5_0();

    private Q5_0() {}

    private static final GgmlType T = GgmlType.Q5_0;
    static final int BLOCK = T.blockSize(), BYTES = T.bytesPerBlock();
    private static final int D = T.offset("d"), QH = T.offset("qh"), QS = T.offset("qs");

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
            float d = LE.f16(w, offset + D);
            int qh = LE.i32(w, offset + QH);
            for (int j = 0; j < 16; j++) {
                int q = LE.u8(w, offset + QS + j);
                int x0 = (q & 15) | (((qh >>> j) << 4) & 0x10);
                int x1 = (q >>> 4) | ((qh >>> (j + 12)) & 0x10);
                dst[dstOff + b + j] = (x0 - 16) * d;
                dst[dstOff + b + j + 16] = (x1 - 16) * d;
            }
        }
    }

    /**
     * Vectorized, in byte lanes: per half block the nibbles (16-bit lane shifts) or-ed with the
     * fifth bits ({@link Q5Bits}), widened (16 / L conversions) to floats: value (q - 16) * d.
     */
    @Override
    public void decode(MemorySegment w, long offset, float[] dst, int n) {
        var F = Vectors.F;
        int L = F.length(), blocks = n / BLOCK;
        for (int j = 0; j < blocks; j++) {
            long o = offset + (long) j * BYTES;
            FloatVector d = FloatVector.broadcast(F, LE.f16(w, o + D));
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
                        .or(fifth)
                        .sub((byte) 16);
                int y = j * BLOCK + 16 * h;
                ((FloatVector) v.convertShape(VectorOperators.B2F, F, 0)).mul(d).intoArray(dst, y);
                if (L <= 8)
                    ((FloatVector) v.rearrange(Vectors.FROM8).convertShape(VectorOperators.B2F, F, 0))
                            .mul(d)
                            .intoArray(dst, y + 8);
                if (L == 4) {
                    ((FloatVector) v.rearrange(Vectors.FROM4).convertShape(VectorOperators.B2F, F, 0))
                            .mul(d)
                            .intoArray(dst, y + 4);
                    ((FloatVector) v.rearrange(Vectors.FROM12).convertShape(VectorOperators.B2F, F, 0))
                            .mul(d)
                            .intoArray(dst, y + 12);
                }
            }
        }
    }

    @Override
    public void quantize(float[] src, int srcOff, int n, MemorySegment dst, long dstOff) {
        for (int b = 0; b < n; b += BLOCK, dstOff += BYTES) {
            float amax = 0f, max = 0f;
            for (int j = 0; j < BLOCK; j++) {
                float v = src[srcOff + b + j];
                if (Math.abs(v) > amax) {
                    amax = Math.abs(v);
                    max = v;
                }
            }
            float d = max / -16f;
            float id = d != 0f ? 1f / d : 0f;
            LE.putF16(dst, dstOff + D, d);
            int qh = 0;
            for (int j = 0; j < 16; j++) {
                int q0 = Math.min(31, (int) (src[srcOff + b + j] * id + 16.5f));
                int q1 = Math.min(31, (int) (src[srcOff + b + 16 + j] * id + 16.5f));
                LE.put8(dst, dstOff + QS + j, (q0 & 15) | ((q1 & 15) << 4));
                qh |= ((q0 & 0x10) >>> 4) << j;
                qh |= ((q1 & 0x10) >>> 4) << (j + 16);
            }
            LE.put32(dst, dstOff + QH, qh);
        }
    }
}
