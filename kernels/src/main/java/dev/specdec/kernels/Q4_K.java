package dev.specdec.kernels;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q4_K: super-blocks of 256 = 8 sub-blocks of 32, {@code { f16 d; f16 dmin; uint8 scales[12];
 * uint8 qs[128]; }} (144 bytes). Sub-block j has 6-bit scale sc and min m ({@link KScales});
 * value = d * sc * q - dmin * m. Each 32-byte group of qs holds two sub-blocks: low nibbles, then
 * high nibbles.
 */
public final class Q4_K implements TensorFormat {
    public static final Q4_K INSTANCE = new Q4_K();

    private Q4_K() {}

    private static final GgmlType T = GgmlType.Q4_K;
    static final int BLOCK = T.blockSize(), BYTES = T.bytesPerBlock();
    private static final int D = T.offset("d"),
            DMIN = T.offset("dmin"),
            SCALES = T.offset("scales"),
            QS = T.offset("qs");

    /**
     * At 4 float lanes (128-bit vectors) a single row goes through the batched path instead: the
     * fused dot's two accumulator chains are FMA-latency-bound there, and the 4-row tile's eight
     * are not (one thread, weights from DRAM, ns per KiB: Q4_K 549 against 679).
     */
    @Override
    public boolean fusedDot() {
        return Vectors.F.length() > 4;
    }

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
            long q = offset + QS, sl = LE.i64(w, offset + SCALES);
            int sh = LE.i32(w, offset + SCALES + 8);
            int y = dstOff + b;
            for (int j = 0; j < 8; j += 2, q += 32) {
                float d1 = d * KScales.scale(sl, sh, j), m1 = dmin * KScales.min(sl, sh, j);
                float d2 = d * KScales.scale(sl, sh, j + 1), m2 = dmin * KScales.min(sl, sh, j + 1);
                for (int l = 0; l < 32; l++) dst[y++] = d1 * (LE.u8(w, q + l) & 0xF) - m1;
                for (int l = 0; l < 32; l++) dst[y++] = d2 * (LE.u8(w, q + l) >>> 4) - m2;
            }
        }
    }

    /**
     * Vectorized, one 32-value sub-block at a time: its nibbles of the 32-byte group (16-bit lane
     * shifts), widened (16 / L conversions per 16 bytes) to floats, d * sc * q - dmin * m. The
     * scales field is read once per super-block (one long, one int) and unpacked in registers.
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
                // sub-block g: the low (g even) or high (g odd) nibbles of the 32-byte group g / 2
                FloatVector dg = FloatVector.broadcast(F, d * KScales.scale(sl, sh, g)),
                        mg = FloatVector.broadcast(F, dmin * KScales.min(sl, sh, g));
                long q = o + QS + 32L * (g >>> 1);
                ByteVector u = ByteVector.fromMemorySegment(Vectors.B128, w, q, ByteOrder.LITTLE_ENDIAN)
                        .reinterpretAsShorts()
                        .lanewise(VectorOperators.LSHR, 4 * (g & 1))
                        .reinterpretAsBytes()
                        .and((byte) 15);
                ByteVector v = ByteVector.fromMemorySegment(Vectors.B128, w, q + 16, ByteOrder.LITTLE_ENDIAN)
                        .reinterpretAsShorts()
                        .lanewise(VectorOperators.LSHR, 4 * (g & 1))
                        .reinterpretAsBytes()
                        .and((byte) 15);
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

    /**
     * Fused single-row dot: the lanes of {@link #decode}, multiplied in the order {@link Matmul}
     * uses (lane chunks of L values alternate between two accumulators in memory order), written
     * out per width so every conversion is a constant part 0; one sub-block per iteration of a
     * counted int loop.
     */
    @Override
    public float dot(MemorySegment w, long offset, float[] x, int xOff, int n) {
        if (!Vectors.ENABLED) return dotReference(w, offset, x, xOff, n);
        var F = Vectors.F;
        int L = F.length(), blocks = n / BLOCK;
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        for (int b = 0; b < blocks; b++) {
            long o = offset + (long) b * BYTES, sl = LE.i64(w, o + SCALES);
            float d = LE.f16(w, o + D), dmin = LE.f16(w, o + DMIN);
            int sh = LE.i32(w, o + SCALES + 8);
            for (int g = 0; g < 8; g++) {
                FloatVector dg = FloatVector.broadcast(F, d * KScales.scale(sl, sh, g)),
                        mg = FloatVector.broadcast(F, dmin * KScales.min(sl, sh, g));
                long q = o + QS + 32L * (g >>> 1);
                int i = xOff + b * BLOCK + 32 * g;
                ByteVector u = ByteVector.fromMemorySegment(Vectors.B128, w, q, ByteOrder.LITTLE_ENDIAN)
                        .reinterpretAsShorts()
                        .lanewise(VectorOperators.LSHR, 4 * (g & 1))
                        .reinterpretAsBytes()
                        .and((byte) 15);
                ByteVector v = ByteVector.fromMemorySegment(Vectors.B128, w, q + 16, ByteOrder.LITTLE_ENDIAN)
                        .reinterpretAsShorts()
                        .lanewise(VectorOperators.LSHR, 4 * (g & 1))
                        .reinterpretAsBytes()
                        .and((byte) 15);
                if (L == 16) {
                    a0 = ((FloatVector) u.convertShape(VectorOperators.B2F, F, 0))
                            .mul(dg)
                            .sub(mg)
                            .fma(FloatVector.fromArray(F, x, i), a0);
                    a1 = ((FloatVector) v.convertShape(VectorOperators.B2F, F, 0))
                            .mul(dg)
                            .sub(mg)
                            .fma(FloatVector.fromArray(F, x, i + 16), a1);
                } else if (L == 8) {
                    a0 = ((FloatVector) u.convertShape(VectorOperators.B2F, F, 0))
                            .mul(dg)
                            .sub(mg)
                            .fma(FloatVector.fromArray(F, x, i), a0);
                    a1 = ((FloatVector) u.rearrange(Vectors.FROM8).convertShape(VectorOperators.B2F, F, 0))
                            .mul(dg)
                            .sub(mg)
                            .fma(FloatVector.fromArray(F, x, i + 8), a1);
                    a0 = ((FloatVector) v.convertShape(VectorOperators.B2F, F, 0))
                            .mul(dg)
                            .sub(mg)
                            .fma(FloatVector.fromArray(F, x, i + 16), a0);
                    a1 = ((FloatVector) v.rearrange(Vectors.FROM8).convertShape(VectorOperators.B2F, F, 0))
                            .mul(dg)
                            .sub(mg)
                            .fma(FloatVector.fromArray(F, x, i + 24), a1);
                } else {
                    a0 = ((FloatVector) u.convertShape(VectorOperators.B2F, F, 0))
                            .mul(dg)
                            .sub(mg)
                            .fma(FloatVector.fromArray(F, x, i), a0);
                    a1 = ((FloatVector) u.rearrange(Vectors.FROM4).convertShape(VectorOperators.B2F, F, 0))
                            .mul(dg)
                            .sub(mg)
                            .fma(FloatVector.fromArray(F, x, i + 4), a1);
                    a0 = ((FloatVector) u.rearrange(Vectors.FROM8).convertShape(VectorOperators.B2F, F, 0))
                            .mul(dg)
                            .sub(mg)
                            .fma(FloatVector.fromArray(F, x, i + 8), a0);
                    a1 = ((FloatVector) u.rearrange(Vectors.FROM12).convertShape(VectorOperators.B2F, F, 0))
                            .mul(dg)
                            .sub(mg)
                            .fma(FloatVector.fromArray(F, x, i + 12), a1);
                    a0 = ((FloatVector) v.convertShape(VectorOperators.B2F, F, 0))
                            .mul(dg)
                            .sub(mg)
                            .fma(FloatVector.fromArray(F, x, i + 16), a0);
                    a1 = ((FloatVector) v.rearrange(Vectors.FROM4).convertShape(VectorOperators.B2F, F, 0))
                            .mul(dg)
                            .sub(mg)
                            .fma(FloatVector.fromArray(F, x, i + 20), a1);
                    a0 = ((FloatVector) v.rearrange(Vectors.FROM8).convertShape(VectorOperators.B2F, F, 0))
                            .mul(dg)
                            .sub(mg)
                            .fma(FloatVector.fromArray(F, x, i + 24), a0);
                    a1 = ((FloatVector) v.rearrange(Vectors.FROM12).convertShape(VectorOperators.B2F, F, 0))
                            .mul(dg)
                            .sub(mg)
                            .fma(FloatVector.fromArray(F, x, i + 28), a1);
                }
            }
        }
        // the lane sum of Vectors.sum, written out (a call could box the vector)
        FloatVector v = a0.add(a1);
        if (L == 16) v = v.add(v.rearrange(Vectors.ROT8));
        if (L >= 8) v = v.add(v.rearrange(Vectors.ROT4));
        v = v.add(v.rearrange(Vectors.ROT2));
        return v.add(v.rearrange(Vectors.ROT1)).lane(0);
    }

    @Override
    public void quantize(float[] src, int srcOff, int n, MemorySegment dst, long dstOff) {
        float[] scales = new float[8], mins = new float[8];
        int[] ls = new int[8], lm = new int[8];
        for (int b = 0; b < n; b += BLOCK, dstOff += BYTES) {
            KScales.scalesAndMins(src, srcOff + b, 8, 32, 15, scales, mins);
            float d = KScales.max(scales) / 63f, dmin = KScales.max(mins) / 63f;
            LE.putF16(dst, dstOff + D, d);
            LE.putF16(dst, dstOff + DMIN, dmin);
            d = LE.f16(dst, dstOff + D);
            dmin = LE.f16(dst, dstOff + DMIN);
            for (int s = 0; s < 8; s++) {
                ls[s] = KScales.level(scales[s], d, 63);
                lm[s] = KScales.level(mins[s], dmin, 63);
            }
            KScales.pack(ls, lm, dst, dstOff + SCALES);
            for (int j = 0; j < 8; j += 2) {
                for (int l = 0; l < 32; l++) {
                    int lo = quant(src[srcOff + b + j * 32 + l], d * ls[j], dmin * lm[j]);
                    int hi = quant(src[srcOff + b + (j + 1) * 32 + l], d * ls[j + 1], dmin * lm[j + 1]);
                    LE.put8(dst, dstOff + QS + (j / 2) * 32 + l, lo | (hi << 4));
                }
            }
        }
    }

    private static int quant(float v, float scale, float min) {
        return KScales.level(v + min, scale, 15);
    }
}
