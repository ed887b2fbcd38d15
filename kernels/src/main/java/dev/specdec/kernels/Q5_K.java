package dev.specdec.kernels;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q5_K: super-blocks of 256 = 8 sub-blocks of 32, {@code { f16 d; f16 dmin; uint8 scales[12];
 * uint8 qh[32]; uint8 qs[128]; }} (176 bytes). As Q4_K with a fifth bit per value in qh: for
 * sub-block pair p (0..3), bit 2p of qh[l] belongs to the low-nibble value l and bit 2p+1 to the
 * high-nibble one.
 */
public final class Q5_K implements TensorFormat {
    public static final Q5_K INSTANCE = new Q5_K();

    private Q5_K() {}

    private static final GgmlType T = GgmlType.Q5_K;
    static final int BLOCK = T.blockSize(), BYTES = T.bytesPerBlock();
    private static final int D = T.offset("d"),
            DMIN = T.offset("dmin"),
            SCALES = T.offset("scales"),
            QH = T.offset("qh"),
            QS = T.offset("qs");

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
            long qh = offset + QH, ql = offset + QS, sl = LE.i64(w, offset + SCALES);
            int sh = LE.i32(w, offset + SCALES + 8);
            int y = dstOff + b;
            int u1 = 1, u2 = 2;
            for (int j = 0; j < 8; j += 2, ql += 32, u1 <<= 2, u2 <<= 2) {
                float d1 = d * KScales.scale(sl, sh, j), m1 = dmin * KScales.min(sl, sh, j);
                float d2 = d * KScales.scale(sl, sh, j + 1), m2 = dmin * KScales.min(sl, sh, j + 1);
                for (int l = 0; l < 32; l++) {
                    dst[y++] = d1 * ((LE.u8(w, ql + l) & 0xF) + ((LE.u8(w, qh + l) & u1) != 0 ? 16 : 0)) - m1;
                }
                for (int l = 0; l < 32; l++) {
                    dst[y++] = d2 * ((LE.u8(w, ql + l) >>> 4) + ((LE.u8(w, qh + l) & u2) != 0 ? 16 : 0)) - m2;
                }
            }
        }
    }

    /**
     * Vectorized as Q4_K, one 32-value sub-block g at a time, with the fifth bit of each value (bit
     * g of its qh byte) moved to bit 4; all bit fields by 16-bit lane shifts (none crosses a byte).
     */
    @Override
    public void decode(MemorySegment w, long offset, float[] dst, int n) {
        var F = Vectors.F;
        int L = F.length(), blocks = n / BLOCK;
        for (int b = 0; b < blocks; b++) {
            long o = offset + (long) b * BYTES, sl = LE.i64(w, o + SCALES);
            float d = LE.f16(w, o + D), dmin = LE.f16(w, o + DMIN);
            int sh = LE.i32(w, o + SCALES + 8);
            for (int g = 0; g < 8; g++) {
                FloatVector dg = FloatVector.broadcast(F, d * KScales.scale(sl, sh, g)),
                        mg = FloatVector.broadcast(F, dmin * KScales.min(sl, sh, g));
                long ql = o + QS + 32L * (g >>> 1);
                ByteVector u = ByteVector.fromMemorySegment(Vectors.B128, w, ql, ByteOrder.LITTLE_ENDIAN)
                        .reinterpretAsShorts()
                        .lanewise(VectorOperators.LSHR, 4 * (g & 1))
                        .reinterpretAsBytes()
                        .and((byte) 15)
                        .or(ByteVector.fromMemorySegment(Vectors.B128, w, o + QH, ByteOrder.LITTLE_ENDIAN)
                                .reinterpretAsShorts()
                                .lanewise(VectorOperators.LSHR, g)
                                .reinterpretAsBytes()
                                .and((byte) 1)
                                .reinterpretAsShorts()
                                .lanewise(VectorOperators.LSHL, 4)
                                .reinterpretAsBytes());
                ByteVector v = ByteVector.fromMemorySegment(Vectors.B128, w, ql + 16, ByteOrder.LITTLE_ENDIAN)
                        .reinterpretAsShorts()
                        .lanewise(VectorOperators.LSHR, 4 * (g & 1))
                        .reinterpretAsBytes()
                        .and((byte) 15)
                        .or(ByteVector.fromMemorySegment(Vectors.B128, w, o + QH + 16, ByteOrder.LITTLE_ENDIAN)
                                .reinterpretAsShorts()
                                .lanewise(VectorOperators.LSHR, g)
                                .reinterpretAsBytes()
                                .and((byte) 1)
                                .reinterpretAsShorts()
                                .lanewise(VectorOperators.LSHL, 4)
                                .reinterpretAsBytes());
                int y = b * BLOCK + 32 * g;
                ((FloatVector) u.convertShape(VectorOperators.B2F, F, 0))
                        .mul(dg)
                        .sub(mg)
                        .intoArray(dst, y);
                ((FloatVector) v.convertShape(VectorOperators.B2F, F, 0))
                        .mul(dg)
                        .sub(mg)
                        .intoArray(dst, y + 16);
                if (L <= 8) {
                    ((FloatVector) u.rearrange(Vectors.FROM8).convertShape(VectorOperators.B2F, F, 0))
                            .mul(dg)
                            .sub(mg)
                            .intoArray(dst, y + 8);
                    ((FloatVector) v.rearrange(Vectors.FROM8).convertShape(VectorOperators.B2F, F, 0))
                            .mul(dg)
                            .sub(mg)
                            .intoArray(dst, y + 24);
                }
                if (L == 4) {
                    ((FloatVector) u.rearrange(Vectors.FROM4).convertShape(VectorOperators.B2F, F, 0))
                            .mul(dg)
                            .sub(mg)
                            .intoArray(dst, y + 4);
                    ((FloatVector) u.rearrange(Vectors.FROM12).convertShape(VectorOperators.B2F, F, 0))
                            .mul(dg)
                            .sub(mg)
                            .intoArray(dst, y + 12);
                    ((FloatVector) v.rearrange(Vectors.FROM4).convertShape(VectorOperators.B2F, F, 0))
                            .mul(dg)
                            .sub(mg)
                            .intoArray(dst, y + 20);
                    ((FloatVector) v.rearrange(Vectors.FROM12).convertShape(VectorOperators.B2F, F, 0))
                            .mul(dg)
                            .sub(mg)
                            .intoArray(dst, y + 28);
                }
            }
        }
    }

    @Override
    public void quantize(float[] src, int srcOff, int n, MemorySegment dst, long dstOff) {
        float[] scales = new float[8], mins = new float[8];
        int[] ls = new int[8], lm = new int[8];
        for (int b = 0; b < n; b += BLOCK, dstOff += BYTES) {
            KScales.scalesAndMins(src, srcOff + b, 8, 32, 31, scales, mins);
            LE.putF16(dst, dstOff + D, KScales.max(scales) / 63f);
            LE.putF16(dst, dstOff + DMIN, KScales.max(mins) / 63f);
            float d = LE.f16(dst, dstOff + D), dmin = LE.f16(dst, dstOff + DMIN);
            for (int s = 0; s < 8; s++) {
                ls[s] = KScales.level(scales[s], d, 63);
                lm[s] = KScales.level(mins[s], dmin, 63);
            }
            KScales.pack(ls, lm, dst, dstOff + SCALES);
            int[] qh = new int[32];
            for (int j = 0; j < 8; j += 2) {
                for (int l = 0; l < 32; l++) {
                    int lo = KScales.level(src[srcOff + b + j * 32 + l] + dmin * lm[j], d * ls[j], 31);
                    int hi = KScales.level(src[srcOff + b + (j + 1) * 32 + l] + dmin * lm[j + 1], d * ls[j + 1], 31);
                    LE.put8(dst, dstOff + QS + (j / 2) * 32 + l, (lo & 0xF) | ((hi & 0xF) << 4));
                    if (lo >= 16) qh[l] |= 1 << j;
                    if (hi >= 16) qh[l] |= 1 << (j + 1);
                }
            }
            for (int l = 0; l < 32; l++) LE.put8(dst, dstOff + QH + l, qh[l]);
        }
    }
}
