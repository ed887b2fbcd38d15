package dev.specdec.kernels;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q6_K: super-blocks of 256 = 16 sub-blocks of 16, {@code { uint8 ql[128]; uint8 qh[64];
 * int8 scales[16]; f16 d; }} (210 bytes); value = d * scales[e / 16] * (q - 32) with a 6-bit q
 * whose low 4 bits are in ql and high 2 bits in qh. Within each half (128 values) value l, l+32,
 * l+64, l+96 share qh[l] (bits 0-1, 2-3, 4-5, 6-7) and ql[l] / ql[l+32] (low, low, high, high nibble).
 */
public final class Q6_K implements TensorFormat {
    public static final Q6_K INSTANCE = new Q6_K();

    private Q6_K() {}

    private static final GgmlType T = GgmlType.Q6_K;
    static final int BLOCK = T.blockSize(), BYTES = T.bytesPerBlock();
    private static final int QL = T.offset("ql"), QH = T.offset("qh"), SCALES = T.offset("scales"), D = T.offset("d");

    @Override
    public boolean fusedDot() {
        return true;
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
            float d = LE.f16(w, offset + D);
            for (int half = 0; half < 2; half++) {
                long ql = offset + QL + 64L * half, qh = offset + QH + 32L * half, sc = offset + SCALES + 8L * half;
                int y = dstOff + b + 128 * half;
                for (int l = 0; l < 32; l++) {
                    int is = l / 16;
                    int h = LE.u8(w, qh + l);
                    int q1 = ((LE.u8(w, ql + l) & 0xF) | ((h & 3) << 4)) - 32;
                    int q2 = ((LE.u8(w, ql + l + 32) & 0xF) | (((h >>> 2) & 3) << 4)) - 32;
                    int q3 = ((LE.u8(w, ql + l) >>> 4) | (((h >>> 4) & 3) << 4)) - 32;
                    int q4 = ((LE.u8(w, ql + l + 32) >>> 4) | (((h >>> 6) & 3) << 4)) - 32;
                    dst[y + l] = d * LE.s8(w, sc + is) * q1;
                    dst[y + l + 32] = d * LE.s8(w, sc + is + 2) * q2;
                    dst[y + l + 64] = d * LE.s8(w, sc + is + 4) * q3;
                    dst[y + l + 96] = d * LE.s8(w, sc + is + 6) * q4;
                }
            }
        }
    }

    /**
     * Vectorized, 32 values (two 16-value sub-blocks, one scale each) at a time: the 6-bit q
     * assembled from ql and qh in byte lanes (16-bit lane shifts: no field crosses a byte), widened
     * (16 / L conversions per 16 values) and scaled.
     */
    @Override
    public void decode(MemorySegment w, long offset, float[] dst, int n) {
        var F = Vectors.F;
        int L = F.length(), blocks = n / BLOCK;
        for (int b = 0; b < blocks; b++) {
            long o = offset + (long) b * BYTES;
            float d = LE.f16(w, o + D);
            for (int k = 0; k < 8; k++) {
                // 32 values 32k..32k+31 of the block: half h = k / 4, group g = k % 4 of that half;
                // low 4 bits: nibble g / 2 of ql[32 (g % 2) + l], high 2 bits: bits 2g, 2g + 1 of qh[l]
                int h = k >>> 2, g = k & 3;
                FloatVector sa = FloatVector.broadcast(F, d * LE.s8(w, o + SCALES + 8L * h + 2 * g));
                FloatVector sb = FloatVector.broadcast(F, d * LE.s8(w, o + SCALES + 1 + 8L * h + 2 * g));
                long ql = o + QL + 64L * h + 32L * (g & 1), qh = o + QH + 32L * h;
                ByteVector u = ByteVector.fromMemorySegment(Vectors.B128, w, ql, ByteOrder.LITTLE_ENDIAN)
                        .reinterpretAsShorts()
                        .lanewise(VectorOperators.LSHR, 4 * (g >>> 1))
                        .reinterpretAsBytes()
                        .and((byte) 15)
                        .or(ByteVector.fromMemorySegment(Vectors.B128, w, qh, ByteOrder.LITTLE_ENDIAN)
                                .reinterpretAsShorts()
                                .lanewise(VectorOperators.LSHR, 2 * g)
                                .reinterpretAsBytes()
                                .and((byte) 3)
                                .reinterpretAsShorts()
                                .lanewise(VectorOperators.LSHL, 4)
                                .reinterpretAsBytes())
                        .sub((byte) 32);
                ByteVector v = ByteVector.fromMemorySegment(Vectors.B128, w, ql + 16, ByteOrder.LITTLE_ENDIAN)
                        .reinterpretAsShorts()
                        .lanewise(VectorOperators.LSHR, 4 * (g >>> 1))
                        .reinterpretAsBytes()
                        .and((byte) 15)
                        .or(ByteVector.fromMemorySegment(Vectors.B128, w, qh + 16, ByteOrder.LITTLE_ENDIAN)
                                .reinterpretAsShorts()
                                .lanewise(VectorOperators.LSHR, 2 * g)
                                .reinterpretAsBytes()
                                .and((byte) 3)
                                .reinterpretAsShorts()
                                .lanewise(VectorOperators.LSHL, 4)
                                .reinterpretAsBytes())
                        .sub((byte) 32);
                int y = b * BLOCK + 32 * k;
                ((FloatVector) u.convertShape(VectorOperators.B2F, F, 0))
                        .mul(sa)
                        .intoArray(dst, y);
                ((FloatVector) v.convertShape(VectorOperators.B2F, F, 0))
                        .mul(sb)
                        .intoArray(dst, y + 16);
                if (L <= 8) {
                    ((FloatVector) u.rearrange(Vectors.FROM8).convertShape(VectorOperators.B2F, F, 0))
                            .mul(sa)
                            .intoArray(dst, y + 8);
                    ((FloatVector) v.rearrange(Vectors.FROM8).convertShape(VectorOperators.B2F, F, 0))
                            .mul(sb)
                            .intoArray(dst, y + 24);
                }
                if (L == 4) {
                    ((FloatVector) u.rearrange(Vectors.FROM4).convertShape(VectorOperators.B2F, F, 0))
                            .mul(sa)
                            .intoArray(dst, y + 4);
                    ((FloatVector) u.rearrange(Vectors.FROM12).convertShape(VectorOperators.B2F, F, 0))
                            .mul(sa)
                            .intoArray(dst, y + 12);
                    ((FloatVector) v.rearrange(Vectors.FROM4).convertShape(VectorOperators.B2F, F, 0))
                            .mul(sb)
                            .intoArray(dst, y + 20);
                    ((FloatVector) v.rearrange(Vectors.FROM12).convertShape(VectorOperators.B2F, F, 0))
                            .mul(sb)
                            .intoArray(dst, y + 28);
                }
            }
        }
    }

    /**
     * Fused single-row dot: the lanes of {@link #decode}, multiplied in the order {@link Matmul}
     * uses (lane chunks of L values alternate between two accumulators in memory order), written
     * out per width so every conversion is a constant part 0; a counted int loop.
     */
    @Override
    public float dot(MemorySegment w, long offset, float[] x, int xOff, int n) {
        if (!Vectors.ENABLED) return dotReference(w, offset, x, xOff, n);
        var F = Vectors.F;
        int L = F.length(), blocks = n / BLOCK;
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        for (int b = 0; b < blocks; b++) {
            long o = offset + (long) b * BYTES;
            float d = LE.f16(w, o + D);
            for (int k = 0; k < 8; k++) {
                // 32 values 32k..32k+31 of the block: half h = k / 4, group g = k % 4 of that half;
                // low 4 bits: nibble g / 2 of ql[32 (g % 2) + l], high 2 bits: bits 2g, 2g + 1 of qh[l]
                int h = k >>> 2, g = k & 3;
                FloatVector sa = FloatVector.broadcast(F, d * LE.s8(w, o + SCALES + 8L * h + 2 * g));
                FloatVector sb = FloatVector.broadcast(F, d * LE.s8(w, o + SCALES + 1 + 8L * h + 2 * g));
                long ql = o + QL + 64L * h + 32L * (g & 1), qh = o + QH + 32L * h;
                ByteVector u = ByteVector.fromMemorySegment(Vectors.B128, w, ql, ByteOrder.LITTLE_ENDIAN)
                        .reinterpretAsShorts()
                        .lanewise(VectorOperators.LSHR, 4 * (g >>> 1))
                        .reinterpretAsBytes()
                        .and((byte) 15)
                        .or(ByteVector.fromMemorySegment(Vectors.B128, w, qh, ByteOrder.LITTLE_ENDIAN)
                                .reinterpretAsShorts()
                                .lanewise(VectorOperators.LSHR, 2 * g)
                                .reinterpretAsBytes()
                                .and((byte) 3)
                                .reinterpretAsShorts()
                                .lanewise(VectorOperators.LSHL, 4)
                                .reinterpretAsBytes())
                        .sub((byte) 32);
                ByteVector v = ByteVector.fromMemorySegment(Vectors.B128, w, ql + 16, ByteOrder.LITTLE_ENDIAN)
                        .reinterpretAsShorts()
                        .lanewise(VectorOperators.LSHR, 4 * (g >>> 1))
                        .reinterpretAsBytes()
                        .and((byte) 15)
                        .or(ByteVector.fromMemorySegment(Vectors.B128, w, qh + 16, ByteOrder.LITTLE_ENDIAN)
                                .reinterpretAsShorts()
                                .lanewise(VectorOperators.LSHR, 2 * g)
                                .reinterpretAsBytes()
                                .and((byte) 3)
                                .reinterpretAsShorts()
                                .lanewise(VectorOperators.LSHL, 4)
                                .reinterpretAsBytes())
                        .sub((byte) 32);
                int i = xOff + b * BLOCK + 32 * k;
                if (L == 16) {
                    a0 = ((FloatVector) u.convertShape(VectorOperators.B2F, F, 0))
                            .mul(sa)
                            .fma(FloatVector.fromArray(F, x, i), a0);
                    a1 = ((FloatVector) v.convertShape(VectorOperators.B2F, F, 0))
                            .mul(sb)
                            .fma(FloatVector.fromArray(F, x, i + 16), a1);
                } else if (L == 8) {
                    a0 = ((FloatVector) u.convertShape(VectorOperators.B2F, F, 0))
                            .mul(sa)
                            .fma(FloatVector.fromArray(F, x, i), a0);
                    a1 = ((FloatVector) u.rearrange(Vectors.FROM8).convertShape(VectorOperators.B2F, F, 0))
                            .mul(sa)
                            .fma(FloatVector.fromArray(F, x, i + 8), a1);
                    a0 = ((FloatVector) v.convertShape(VectorOperators.B2F, F, 0))
                            .mul(sb)
                            .fma(FloatVector.fromArray(F, x, i + 16), a0);
                    a1 = ((FloatVector) v.rearrange(Vectors.FROM8).convertShape(VectorOperators.B2F, F, 0))
                            .mul(sb)
                            .fma(FloatVector.fromArray(F, x, i + 24), a1);
                } else {
                    a0 = ((FloatVector) u.convertShape(VectorOperators.B2F, F, 0))
                            .mul(sa)
                            .fma(FloatVector.fromArray(F, x, i), a0);
                    a1 = ((FloatVector) u.rearrange(Vectors.FROM4).convertShape(VectorOperators.B2F, F, 0))
                            .mul(sa)
                            .fma(FloatVector.fromArray(F, x, i + 4), a1);
                    a0 = ((FloatVector) u.rearrange(Vectors.FROM8).convertShape(VectorOperators.B2F, F, 0))
                            .mul(sa)
                            .fma(FloatVector.fromArray(F, x, i + 8), a0);
                    a1 = ((FloatVector) u.rearrange(Vectors.FROM12).convertShape(VectorOperators.B2F, F, 0))
                            .mul(sa)
                            .fma(FloatVector.fromArray(F, x, i + 12), a1);
                    a0 = ((FloatVector) v.convertShape(VectorOperators.B2F, F, 0))
                            .mul(sb)
                            .fma(FloatVector.fromArray(F, x, i + 16), a0);
                    a1 = ((FloatVector) v.rearrange(Vectors.FROM4).convertShape(VectorOperators.B2F, F, 0))
                            .mul(sb)
                            .fma(FloatVector.fromArray(F, x, i + 20), a1);
                    a0 = ((FloatVector) v.rearrange(Vectors.FROM8).convertShape(VectorOperators.B2F, F, 0))
                            .mul(sb)
                            .fma(FloatVector.fromArray(F, x, i + 24), a0);
                    a1 = ((FloatVector) v.rearrange(Vectors.FROM12).convertShape(VectorOperators.B2F, F, 0))
                            .mul(sb)
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
        float[] scales = new float[16];
        int[] sc = new int[16];
        int[] q = new int[256];
        for (int b = 0; b < n; b += BLOCK, dstOff += BYTES) {
            float maxScale = 0f;
            for (int s = 0; s < 16; s++) {
                float amax = 0f;
                for (int l = 0; l < 16; l++) amax = Math.max(amax, Math.abs(src[srcOff + b + 16 * s + l]));
                scales[s] = amax / 31f;
                maxScale = Math.max(maxScale, scales[s]);
            }
            LE.putF16(dst, dstOff + D, maxScale / 127f);
            float d = LE.f16(dst, dstOff + D);
            for (int s = 0; s < 16; s++) {
                sc[s] = d > 0f ? Math.min(127, Math.round(scales[s] / d)) : 0;
                LE.put8(dst, dstOff + SCALES + s, sc[s]);
                float unit = d * sc[s];
                for (int l = 0; l < 16; l++) {
                    float v = src[srcOff + b + 16 * s + l];
                    int qi = unit > 0f ? Math.max(-32, Math.min(31, Math.round(v / unit))) : 0;
                    q[16 * s + l] = qi + 32;
                }
            }
            for (int half = 0; half < 2; half++) {
                for (int l = 0; l < 32; l++) {
                    int base = 128 * half + l;
                    int l0 = q[base], l1 = q[base + 32], l2 = q[base + 64], l3 = q[base + 96];
                    LE.put8(dst, dstOff + QL + 64L * half + l, (l0 & 0xF) | ((l2 & 0xF) << 4));
                    LE.put8(dst, dstOff + QL + 64L * half + l + 32, (l1 & 0xF) | ((l3 & 0xF) << 4));
                    LE.put8(
                            dst,
                            dstOff + QH + 32L * half + l,
                            (l0 >>> 4) | ((l1 >>> 4) << 2) | ((l2 >>> 4) << 4) | ((l3 >>> 4) << 6));
                }
            }
        }
    }
}
