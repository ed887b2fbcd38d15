package dev.specdec.kernels;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ByteVector;
import java.nio.ByteOrder;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q6_K: super-blocks of 256 = 16 sub-blocks of 16, {@code { uint8 ql[128]; uint8 qh[64];
 * int8 scales[16]; f16 d; }} (210 bytes); value = d * scales[e / 16] * (q - 32) with a 6-bit q
 * whose low 4 bits are in ql and high 2 bits in qh. Within each half (128 values) value l, l+32,
 * l+64, l+96 share qh[l] (bits 0-1, 2-3, 4-5, 6-7) and ql[l] / ql[l+32] (low, low, high, high nibble).
 */
public final class Q6_K implements TensorFormat {
    public static final Q6_K INSTANCE = new Q6_K();
    private Q6_K() {}

    static final int BLOCK = 256, BYTES = 210;

    @Override public boolean fusedDot() { return true; }

    @Override public GgmlType type() { return GgmlType.Q6_K; }

    @Override public float getFloat(MemorySegment w, long index) { return BlockScratch.elementOf(this, w, index); }

    @Override public void dequantize(MemorySegment w, long offset, float[] dst, int dstOff, int n) {
        for (int b = 0; b < n; b += BLOCK, offset += BYTES) {
            float d = LE.f16(w, offset + 208);
            for (int half = 0; half < 2; half++) {
                long ql = offset + 64L * half, qh = offset + 128 + 32L * half, sc = offset + 192 + 8L * half;
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


    /** Vectorized: 16 values at a time share one scale; 6-bit q assembled from ql and qh lanes. */
    @Override public void decode(MemorySegment w, long offset, float[] dst, int n) {
        if (Vectors.F.length() == 16) { decode16(w, offset, dst, n); return; }
        var F = Vectors.F;
        int L = F.length(), parts = 16 / L;
        var B = ByteVector.SPECIES_128;
        for (int b = 0; b < n; b += BLOCK, offset += BYTES) {
            float d = LE.f16(w, offset + 208);
            for (int half = 0; half < 2; half++) {
                long ql = offset + 64L * half, qh = offset + 128 + 32L * half, sc = offset + 192 + 8L * half;
                int y = b + 128 * half;
                for (int l = 0; l < 32; l += 16) {
                    int is = l / 16;
                    ByteVector a = ByteVector.fromMemorySegment(B, w, ql + l, ByteOrder.LITTLE_ENDIAN);
                    ByteVector c = ByteVector.fromMemorySegment(B, w, ql + l + 32, ByteOrder.LITTLE_ENDIAN);
                    ByteVector h = ByteVector.fromMemorySegment(B, w, qh + l, ByteOrder.LITTLE_ENDIAN);
                    ByteVector q1 = a.and((byte) 15).or(h.reinterpretAsShorts().lanewise(VectorOperators.LSHL, 4).reinterpretAsBytes().and((byte) 48)).sub((byte) 32);
                    ByteVector q2 = c.and((byte) 15).or(h.reinterpretAsShorts().lanewise(VectorOperators.LSHL, 2).reinterpretAsBytes().and((byte) 48)).sub((byte) 32);
                    ByteVector q3 = a.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 15).or(h.and((byte) 48)).sub((byte) 32);
                    ByteVector q4 = c.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 15).or(h.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 2).reinterpretAsBytes().and((byte) 48)).sub((byte) 32);
                    FloatVector s1 = FloatVector.broadcast(F, d * LE.s8(w, sc + is)), s2 = FloatVector.broadcast(F, d * LE.s8(w, sc + is + 2));
                    FloatVector s3 = FloatVector.broadcast(F, d * LE.s8(w, sc + is + 4)), s4 = FloatVector.broadcast(F, d * LE.s8(w, sc + is + 6));
                    for (int p = 0; p < parts; p++) {
                        int o = y + l + p * L;
                        ((FloatVector) q1.convertShape(VectorOperators.B2F, F, p)).mul(s1).intoArray(dst, o);
                        ((FloatVector) q2.convertShape(VectorOperators.B2F, F, p)).mul(s2).intoArray(dst, o + 32);
                        ((FloatVector) q3.convertShape(VectorOperators.B2F, F, p)).mul(s3).intoArray(dst, o + 64);
                        ((FloatVector) q4.convertShape(VectorOperators.B2F, F, p)).mul(s4).intoArray(dst, o + 96);
                    }
                }
            }
        }
    }

    /** Fused single-row dot: the lanes of {@link #decode}, multiplied in the order {@link Matmul} uses. */
    @Override public float dot(MemorySegment w, long offset, float[] x, int xOff, int n) {
        if (!Vectors.ENABLED) return dotReference(w, offset, x, xOff, n);
        var F = Vectors.F;
        int L = F.length(), parts = 16 / L;
        var B = ByteVector.SPECIES_128;
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
        for (int b = 0; b < n; b += BLOCK, offset += BYTES) {
            float d = LE.f16(w, offset + 208);
            for (int half = 0; half < 2; half++) {
                long ql = offset + 64L * half, qh = offset + 128 + 32L * half, sc = offset + 192 + 8L * half;
                int y = xOff + b + 128 * half;
                // memory order: for each of the four 32-value groups, l = 0 then l = 16
                for (int g = 0; g < 4; g++) {
                    for (int l = 0; l < 32; l += 16) {
                        ByteVector lowBits = ByteVector.fromMemorySegment(B, w, ql + l + (g & 1) * 32L, ByteOrder.LITTLE_ENDIAN);
                        ByteVector h = ByteVector.fromMemorySegment(B, w, qh + l, ByteOrder.LITTLE_ENDIAN);
                        ByteVector lo4 = g < 2 ? lowBits.and((byte) 15) : lowBits.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 15);
                        ByteVector hi2 = h.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 2 * g).reinterpretAsBytes().and((byte) 3).reinterpretAsShorts().lanewise(VectorOperators.LSHL, 4).reinterpretAsBytes().and((byte) 48);
                        ByteVector q = lo4.or(hi2).sub((byte) 32);
                        FloatVector s = FloatVector.broadcast(F, d * LE.s8(w, sc + l / 16 + 2 * g));
                        for (int p = 0; p < parts; p++) {
                            int k = (g * 2 + l / 16) * parts + p;
                            FloatVector v = ((FloatVector) q.convertShape(VectorOperators.B2F, F, p)).mul(s);
                            FloatVector xv = FloatVector.fromArray(F, x, y + 32 * g + l + p * L);
                            if ((k & 1) == 0) a0 = v.fma(xv, a0); else a1 = v.fma(xv, a1);
                        }
                    }
                }
            }
        }
        return Vectors.sum(a0.add(a1));
    }

    private static final VectorSpecies<Byte> B256 = ByteVector.SPECIES_256;

    /** The int8 scale k (0..7) of a half, from its eight scale bytes read as a little-endian long. */
    private static float scale(float d, long scales, int k) {
        return d * (byte) (scales >>> (8 * k));
    }

    /**
     * {@link #decode} at 16 lanes, straight-line: each half's 32-byte groups are single loads, its
     * eight scales one long, the loop a counted int loop. The same operations per
     * value as the generic path, so the same floats.
     */
    private static void decode16(MemorySegment w, long offset, float[] dst, int n) {
        var F = Vectors.F;
        int blocks = n / BLOCK;
        for (int b = 0; b < blocks; b++) {
            long o = offset + (long) b * BYTES;
            float d = LE.f16(w, o + 208);
            for (int half = 0; half < 2; half++) {
                long ql = o + 64L * half;
                long sc = LE.i64(w, o + 192 + 8L * half);
                ByteVector a = ByteVector.fromMemorySegment(B256, w, ql, ByteOrder.LITTLE_ENDIAN);
                ByteVector c = ByteVector.fromMemorySegment(B256, w, ql + 32, ByteOrder.LITTLE_ENDIAN);
                ByteVector h = ByteVector.fromMemorySegment(B256, w, o + 128 + 32L * half, ByteOrder.LITTLE_ENDIAN);
                int y = b * BLOCK + 128 * half;
                // four groups written out: a loop choosing among vectors made C2 box them
                ByteVector q1 = a.and((byte) 15).or(h.reinterpretAsShorts().lanewise(VectorOperators.LSHL, 4).reinterpretAsBytes().and((byte) 48)).sub((byte) 32);
                ByteVector q2 = c.and((byte) 15).or(h.reinterpretAsShorts().lanewise(VectorOperators.LSHL, 2).reinterpretAsBytes().and((byte) 48)).sub((byte) 32);
                ByteVector q3 = a.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 15).or(h.and((byte) 48)).sub((byte) 32);
                ByteVector q4 = c.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 15).or(h.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 2).reinterpretAsBytes().and((byte) 48)).sub((byte) 32);
                ((FloatVector) q1.convertShape(VectorOperators.B2F, F, 0)).mul(scale(d, sc, 0)).intoArray(dst, y);
                ((FloatVector) q1.convertShape(VectorOperators.B2F, F, 1)).mul(scale(d, sc, 1)).intoArray(dst, y + 16);
                ((FloatVector) q2.convertShape(VectorOperators.B2F, F, 0)).mul(scale(d, sc, 2)).intoArray(dst, y + 32);
                ((FloatVector) q2.convertShape(VectorOperators.B2F, F, 1)).mul(scale(d, sc, 3)).intoArray(dst, y + 48);
                ((FloatVector) q3.convertShape(VectorOperators.B2F, F, 0)).mul(scale(d, sc, 4)).intoArray(dst, y + 64);
                ((FloatVector) q3.convertShape(VectorOperators.B2F, F, 1)).mul(scale(d, sc, 5)).intoArray(dst, y + 80);
                ((FloatVector) q4.convertShape(VectorOperators.B2F, F, 0)).mul(scale(d, sc, 6)).intoArray(dst, y + 96);
                ((FloatVector) q4.convertShape(VectorOperators.B2F, F, 1)).mul(scale(d, sc, 7)).intoArray(dst, y + 112);
            }
        }
    }

    @Override public void quantize(float[] src, int srcOff, int n, MemorySegment dst, long dstOff) {
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
            LE.putF16(dst, dstOff + 208, maxScale / 127f);
            float d = LE.f16(dst, dstOff + 208);
            for (int s = 0; s < 16; s++) {
                sc[s] = d > 0f ? Math.min(127, Math.round(scales[s] / d)) : 0;
                LE.put8(dst, dstOff + 192 + s, sc[s]);
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
                    LE.put8(dst, dstOff + 64L * half + l, (l0 & 0xF) | ((l2 & 0xF) << 4));
                    LE.put8(dst, dstOff + 64L * half + l + 32, (l1 & 0xF) | ((l3 & 0xF) << 4));
                    LE.put8(dst, dstOff + 128 + 32L * half + l, (l0 >>> 4) | ((l1 >>> 4) << 2) | ((l2 >>> 4) << 4) | ((l3 >>> 4) << 6));
                }
            }
        }
    }
}
