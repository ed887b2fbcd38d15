package dev.specdec.kernels;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q2_K: super-blocks of 256 = 16 sub-blocks of 16, {@code { uint8 scales[16]; uint8 qs[64];
 * f16 d; f16 dmin; }} (84 bytes). scales[s] holds a 4-bit scale (low) and 4-bit min (high);
 * value = d * sc * q - dmin * m with a 2-bit q. Within each 128-value half, byte qs[32h + m]
 * holds the 2-bit q of values 128h + 32j + m at bits 2j (j = 0..3).
 */
public final class Q2_K implements TensorFormat {
    public static final Q2_K INSTANCE = new Q2_K();

    private Q2_K() {}

    private static final GgmlType T = GgmlType.Q2_K;
    static final int BLOCK = T.blockSize(), BYTES = T.bytesPerBlock();
    private static final int SCALES = T.offset("scales"),
            QS = T.offset("qs"),
            D = T.offset("d"),
            DMIN = T.offset("dmin");

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
            float d = LE.f16(w, offset + D), dmin = LE.f16(w, offset + DMIN);
            int y = dstOff + b, is = 0;
            for (int half = 0; half < 2; half++) {
                long q = offset + QS + 32L * half;
                for (int j = 0; j < 4; j++) {
                    int shift = 2 * j;
                    for (int g = 0; g < 2; g++) {
                        int sc = LE.u8(w, offset + SCALES + is++);
                        float dl = d * (sc & 0xF), ml = dmin * (sc >>> 4);
                        for (int l = 0; l < 16; l++) dst[y++] = dl * ((LE.u8(w, q + 16 * g + l) >>> shift) & 3) - ml;
                    }
                }
            }
        }
    }

    /**
     * Vectorized, one 16-value sub-block at a time: its 2-bit field shifted out of 16 bytes of qs
     * (16-bit lane shifts: bits 2j and 2j+1 never cross a byte), widened (16 / L conversions) to
     * floats, d * sc * q - dmin * m.
     */
    @Override
    public void decode(MemorySegment w, long offset, float[] dst, int n) {
        var F = Vectors.F;
        int L = F.length(), blocks = n / BLOCK;
        for (int b = 0; b < blocks; b++) {
            long o = offset + (long) b * BYTES;
            float d = LE.f16(w, o + D), dmin = LE.f16(w, o + DMIN);
            for (int s = 0; s < 16; s++) {
                // sub-block s: half s / 8, shift 2 * (s / 2 % 4), 16-byte group s % 2
                int sc = LE.u8(w, o + SCALES + s);
                FloatVector dl = FloatVector.broadcast(F, d * (sc & 0xF)),
                        ml = FloatVector.broadcast(F, dmin * (sc >>> 4));
                ByteVector v = ByteVector.fromMemorySegment(
                                Vectors.B128, w, o + QS + 32L * (s >>> 3) + 16L * (s & 1), ByteOrder.LITTLE_ENDIAN)
                        .reinterpretAsShorts()
                        .lanewise(VectorOperators.LSHR, 2 * ((s >>> 1) & 3))
                        .reinterpretAsBytes()
                        .and((byte) 3);
                int y = b * BLOCK + 16 * s;
                ((FloatVector) v.convertShape(VectorOperators.B2F, F, 0))
                        .mul(dl)
                        .sub(ml)
                        .intoArray(dst, y);
                if (L <= 8)
                    ((FloatVector) v.rearrange(Vectors.FROM8).convertShape(VectorOperators.B2F, F, 0))
                            .mul(dl)
                            .sub(ml)
                            .intoArray(dst, y + 8);
                if (L == 4) {
                    ((FloatVector) v.rearrange(Vectors.FROM4).convertShape(VectorOperators.B2F, F, 0))
                            .mul(dl)
                            .sub(ml)
                            .intoArray(dst, y + 4);
                    ((FloatVector) v.rearrange(Vectors.FROM12).convertShape(VectorOperators.B2F, F, 0))
                            .mul(dl)
                            .sub(ml)
                            .intoArray(dst, y + 12);
                }
            }
        }
    }

    @Override
    public void quantize(float[] src, int srcOff, int n, MemorySegment dst, long dstOff) {
        float[] scales = new float[16], mins = new float[16];
        for (int b = 0; b < n; b += BLOCK, dstOff += BYTES) {
            KScales.scalesAndMins(src, srcOff + b, 16, 16, 3, scales, mins);
            LE.putF16(dst, dstOff + D, KScales.max(scales) / 15f);
            LE.putF16(dst, dstOff + DMIN, KScales.max(mins) / 15f);
            float d = LE.f16(dst, dstOff + D), dmin = LE.f16(dst, dstOff + DMIN);
            int[] q = new int[256];
            for (int s = 0; s < 16; s++) {
                int ls = KScales.level(scales[s], d, 15), lm = KScales.level(mins[s], dmin, 15);
                LE.put8(dst, dstOff + SCALES + s, ls | (lm << 4));
                for (int l = 0; l < 16; l++) {
                    q[16 * s + l] = KScales.level(src[srcOff + b + 16 * s + l] + dmin * lm, d * ls, 3);
                }
            }
            for (int half = 0; half < 2; half++) {
                for (int m = 0; m < 32; m++) {
                    int v = 0;
                    for (int j = 0; j < 4; j++) v |= q[128 * half + 32 * j + m] << (2 * j);
                    LE.put8(dst, dstOff + QS + 32L * half + m, v);
                }
            }
        }
    }
}
