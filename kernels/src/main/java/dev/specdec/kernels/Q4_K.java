package dev.specdec.kernels;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ByteVector;
import java.nio.ByteOrder;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q4_K: super-blocks of 256 = 8 sub-blocks of 32, {@code { f16 d; f16 dmin; uint8 scales[12];
 * uint8 qs[128]; }} (144 bytes). Sub-block j has 6-bit scale sc and min m ({@link KScales});
 * value = d * sc * q - dmin * m. Each 32-byte group of qs holds two sub-blocks: low nibbles, then
 * high nibbles.
 */
public final class Q4_K implements TensorFormat {
    public static final Q4_K INSTANCE = new Q4_K();
    private Q4_K() {}

    static final int BLOCK = 256, BYTES = 144;

    @Override public boolean fusedDot() { return true; }

    @Override public GgmlType type() { return GgmlType.Q4_K; }

    @Override public float getFloat(MemorySegment w, long index) { return BlockScratch.elementOf(this, w, index); }

    @Override public void dequantize(MemorySegment w, long offset, float[] dst, int dstOff, int n) {
        for (int b = 0; b < n; b += BLOCK, offset += BYTES) {
            float d = LE.f16(w, offset), dmin = LE.f16(w, offset + 2);
            long q = offset + 16, sl = LE.i64(w, offset + 4);
            int sh = LE.i32(w, offset + 12);
            int y = dstOff + b;
            for (int j = 0; j < 8; j += 2, q += 32) {
                float d1 = d * KScales.scale(sl, sh, j), m1 = dmin * KScales.min(sl, sh, j);
                float d2 = d * KScales.scale(sl, sh, j + 1), m2 = dmin * KScales.min(sl, sh, j + 1);
                for (int l = 0; l < 32; l++) dst[y++] = d1 * (LE.u8(w, q + l) & 0xF) - m1;
                for (int l = 0; l < 32; l++) dst[y++] = d2 * (LE.u8(w, q + l) >>> 4) - m2;
            }
        }
    }


    /** Vectorized: per sub-block, nibbles widened to floats, then d * sc * q - dmin * m. */
    @Override public void decode(MemorySegment w, long offset, float[] dst, int n) {
        if (Vectors.F.length() == 16) { decode16(w, offset, dst, n); return; }
        var F = Vectors.F;
        int L = F.length(), parts = 16 / L;
        var B = ByteVector.SPECIES_128;
        for (int b = 0; b < n; b += BLOCK, offset += BYTES) {
            float d = LE.f16(w, offset), dmin = LE.f16(w, offset + 2);
            long q = offset + 16, sl = LE.i64(w, offset + 4);
            int sh = LE.i32(w, offset + 12);
            int y = b;
            for (int j = 0; j < 8; j += 2, q += 32, y += 64) {
                FloatVector d1 = FloatVector.broadcast(F, d * KScales.scale(sl, sh, j)), m1 = FloatVector.broadcast(F, dmin * KScales.min(sl, sh, j));
                FloatVector d2 = FloatVector.broadcast(F, d * KScales.scale(sl, sh, j + 1)), m2 = FloatVector.broadcast(F, dmin * KScales.min(sl, sh, j + 1));
                for (int h = 0; h < 2; h++) {
                    ByteVector qb = ByteVector.fromMemorySegment(B, w, q + 16L * h, ByteOrder.LITTLE_ENDIAN);
                    ByteVector lo = qb.and((byte) 15), hi = qb.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 15);
                    for (int p = 0; p < parts; p++) {
                        ((FloatVector) lo.convertShape(VectorOperators.B2F, F, p)).mul(d1).sub(m1).intoArray(dst, y + 16 * h + p * L);
                        ((FloatVector) hi.convertShape(VectorOperators.B2F, F, p)).mul(d2).sub(m2).intoArray(dst, y + 32 + 16 * h + p * L);
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
            float d = LE.f16(w, offset), dmin = LE.f16(w, offset + 2);
            long q = offset + 16, sl = LE.i64(w, offset + 4);
            int sh = LE.i32(w, offset + 12);
            int y = xOff + b;
            for (int j = 0; j < 8; j += 2, q += 32, y += 64) {
                FloatVector d1 = FloatVector.broadcast(F, d * KScales.scale(sl, sh, j)), m1 = FloatVector.broadcast(F, dmin * KScales.min(sl, sh, j));
                FloatVector d2 = FloatVector.broadcast(F, d * KScales.scale(sl, sh, j + 1)), m2 = FloatVector.broadcast(F, dmin * KScales.min(sl, sh, j + 1));
                ByteVector b0 = ByteVector.fromMemorySegment(B, w, q, ByteOrder.LITTLE_ENDIAN);
                ByteVector b1 = ByteVector.fromMemorySegment(B, w, q + 16, ByteOrder.LITTLE_ENDIAN);
                // memory order of the 64 values: low nibbles of b0, b1, then high nibbles of b0, b1
                for (int k = 0; k < 4 * parts; k++) {
                    int group = k / parts, p = k % parts;
                    ByteVector src = (group & 1) == 0 ? b0 : b1;
                    ByteVector nib = group < 2 ? src.and((byte) 15) : src.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 15);
                    FloatVector v = ((FloatVector) nib.convertShape(VectorOperators.B2F, F, p)).mul(group < 2 ? d1 : d2).sub(group < 2 ? m1 : m2);
                    FloatVector xv = FloatVector.fromArray(F, x, y + k * L);
                    if ((k & 1) == 0) a0 = v.fma(xv, a0); else a1 = v.fma(xv, a1);
                }
            }
        }
        return Vectors.sum(a0.add(a1));
    }

    private static final VectorSpecies<Byte> B256 = ByteVector.SPECIES_256;

    /**
     * {@link #decode} at 16 lanes, straight-line: the scales field is read once per super-block and
     * unpacked in registers, each 32-byte group is one load, the loop is a counted int loop. The same operations per value as the generic path, so the same floats.
     */
    private static void decode16(MemorySegment w, long offset, float[] dst, int n) {
        var F = Vectors.F;
        int blocks = n / BLOCK;
        for (int b = 0; b < blocks; b++) {
            long o = offset + (long) b * BYTES;
            float d = LE.f16(w, o), dmin = LE.f16(w, o + 2);
            long sl = LE.i64(w, o + 4);
            int sh = LE.i32(w, o + 12);
            for (int j = 0; j < 8; j += 2) {
                FloatVector d1 = FloatVector.broadcast(F, d * KScales.scale(sl, sh, j)), m1 = FloatVector.broadcast(F, dmin * KScales.min(sl, sh, j));
                FloatVector d2 = FloatVector.broadcast(F, d * KScales.scale(sl, sh, j + 1)), m2 = FloatVector.broadcast(F, dmin * KScales.min(sl, sh, j + 1));
                ByteVector q = ByteVector.fromMemorySegment(B256, w, o + 16 + 16L * j, ByteOrder.LITTLE_ENDIAN);
                ByteVector lo = q.and((byte) 15), hi = q.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 15);
                int y = b * BLOCK + 32 * j;
                ((FloatVector) lo.convertShape(VectorOperators.B2F, F, 0)).mul(d1).sub(m1).intoArray(dst, y);
                ((FloatVector) lo.convertShape(VectorOperators.B2F, F, 1)).mul(d1).sub(m1).intoArray(dst, y + 16);
                ((FloatVector) hi.convertShape(VectorOperators.B2F, F, 0)).mul(d2).sub(m2).intoArray(dst, y + 32);
                ((FloatVector) hi.convertShape(VectorOperators.B2F, F, 1)).mul(d2).sub(m2).intoArray(dst, y + 48);
            }
        }
    }

    @Override public void quantize(float[] src, int srcOff, int n, MemorySegment dst, long dstOff) {
        float[] scales = new float[8], mins = new float[8];
        int[] ls = new int[8], lm = new int[8];
        for (int b = 0; b < n; b += BLOCK, dstOff += BYTES) {
            KScales.scalesAndMins(src, srcOff + b, 8, 32, 15, scales, mins);
            float d = KScales.max(scales) / 63f, dmin = KScales.max(mins) / 63f;
            LE.putF16(dst, dstOff, d);
            LE.putF16(dst, dstOff + 2, dmin);
            d = LE.f16(dst, dstOff);
            dmin = LE.f16(dst, dstOff + 2);
            for (int s = 0; s < 8; s++) {
                ls[s] = KScales.level(scales[s], d, 63);
                lm[s] = KScales.level(mins[s], dmin, 63);
            }
            KScales.pack(ls, lm, dst, dstOff + 4);
            for (int j = 0; j < 8; j += 2) {
                for (int l = 0; l < 32; l++) {
                    int lo = quant(src[srcOff + b + j * 32 + l], d * ls[j], dmin * lm[j]);
                    int hi = quant(src[srcOff + b + (j + 1) * 32 + l], d * ls[j + 1], dmin * lm[j + 1]);
                    LE.put8(dst, dstOff + 16 + (j / 2) * 32 + l, lo | (hi << 4));
                }
            }
        }
    }

    private static int quant(float v, float scale, float min) {
        return KScales.level(v + min, scale, 15);
    }
}
