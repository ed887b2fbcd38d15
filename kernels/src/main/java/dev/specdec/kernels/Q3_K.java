package dev.specdec.kernels;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q3_K: super-blocks of 256 = 16 sub-blocks of 16, {@code { uint8 hmask[32]; uint8 qs[64];
 * uint8 scales[12]; f16 d; }} (110 bytes). value = d * (sc - 32) * q with a signed 3-bit q: two low
 * bits in qs (laid out as in Q2_K), and the high bit in hmask (bit 4h + j of hmask[m] for value
 * 128h + 32j + m); a clear high bit means q = low - 4. The sixteen 6-bit scales are packed into
 * 12 bytes: low nibbles in bytes 0..7 (sub-blocks 0..7 low, 8..15 high nibble), the top two bits
 * in bytes 8..11.
 */
public final class Q3_K implements TensorFormat {
    public static final Q3_K INSTANCE = new Q3_K();

    private Q3_K() {}

    private static final GgmlType T = GgmlType.Q3_K;
    static final int BLOCK = T.blockSize(), BYTES = T.bytesPerBlock();
    private static final int HMASK = T.offset("hmask"),
            QS = T.offset("qs"),
            SCALES = T.offset("scales"),
            D = T.offset("d");

    @Override
    public GgmlType type() {
        return T;
    }

    @Override
    public float getFloat(MemorySegment w, long index) {
        return BlockScratch.elementOf(this, w, index);
    }

    /**
     * The signed scale of sub-block s (0..15) from the 12-byte field read as a little-endian long
     * (bytes 0-7: the low nibbles) and int (bytes 8-11: the top two bits): arithmetic in registers,
     * no memory access per sub-block. Reading the bytes per sub-block in {@code s < 8 ? .. : ..}
     * branches let C2 hoist their bounds checks over the whole sub-block loop (profiled loop
     * predication), which fails on a segment's last super-block: a deoptimization loop that left the
     * decode in the interpreter, allocating 140 MB per 2048 x 2048 matmul at 256 bits.
     */
    static int scale(long lo, int hi, int s) {
        int low = (int) (lo >>> (8 * (s & 7) + 4 * (s >>> 3))) & 0xF;
        int high = (hi >>> (8 * (s & 3) + 2 * (s >>> 2))) & 3;
        return (low | (high << 4)) - 32;
    }

    /** The signed scale of sub-block s (0..15) of the block at {@code offset}, byte by byte: the scalar reference. */
    static int scale(MemorySegment w, long offset, int s) {
        long sc = offset + SCALES;
        int low = s < 8 ? LE.u8(w, sc + s) & 0xF : LE.u8(w, sc + s - 8) >>> 4;
        int high = (LE.u8(w, sc + 8 + (s & 3)) >>> (2 * (s >>> 2))) & 3;
        return (low | (high << 4)) - 32;
    }

    @Override
    public void dequantize(MemorySegment w, long offset, float[] dst, int dstOff, int n) {
        for (int b = 0; b < n; b += BLOCK, offset += BYTES) {
            float d = LE.f16(w, offset + D);
            int y = dstOff + b, is = 0;
            for (int half = 0; half < 2; half++) {
                long q = offset + QS + 32L * half;
                for (int j = 0; j < 4; j++) {
                    int shift = 2 * j, m = 1 << (4 * half + j);
                    for (int g = 0; g < 2; g++) {
                        float dl = d * scale(w, offset, is++);
                        for (int l = 0; l < 16; l++) {
                            int lo = (LE.u8(w, q + 16 * g + l) >>> shift) & 3;
                            int hi = (LE.u8(w, offset + HMASK + 16 * g + l) & m) != 0 ? 0 : 4;
                            dst[y++] = dl * (lo - hi);
                        }
                    }
                }
            }
        }
    }

    /**
     * Vectorized, one 16-value sub-block at a time: the low 2 bits from qs, the high bit from hmask
     * (16-bit lane shifts: no field crosses a byte), widened (16 / L conversions) and scaled.
     */
    @Override
    public void decode(MemorySegment w, long offset, float[] dst, int n) {
        var F = Vectors.F;
        int L = F.length(), blocks = n / BLOCK;
        for (int b = 0; b < blocks; b++) {
            long o = offset + (long) b * BYTES, sl = LE.i64(w, o + SCALES);
            float d = LE.f16(w, o + D);
            int sh = LE.i32(w, o + SCALES + 8);
            for (int s = 0; s < 16; s++) {
                // sub-block s: half s / 8, bit pair j = s / 2 % 4 (hmask bit 4 * half + j), 16-byte group s % 2
                int j = (s >>> 1) & 3, bit = 4 * (s >>> 3) + j;
                FloatVector dl = FloatVector.broadcast(F, d * scale(sl, sh, s));
                ByteVector lo = ByteVector.fromMemorySegment(
                                Vectors.B128, w, o + QS + 32L * (s >>> 3) + 16L * (s & 1), ByteOrder.LITTLE_ENDIAN)
                        .reinterpretAsShorts()
                        .lanewise(VectorOperators.LSHR, 2 * j)
                        .reinterpretAsBytes()
                        .and((byte) 3);
                ByteVector hb = ByteVector.fromMemorySegment(
                                Vectors.B128, w, o + HMASK + 16L * (s & 1), ByteOrder.LITTLE_ENDIAN)
                        .reinterpretAsShorts()
                        .lanewise(VectorOperators.LSHR, bit)
                        .reinterpretAsBytes()
                        .and((byte) 1)
                        .reinterpretAsShorts()
                        .lanewise(VectorOperators.LSHL, 2)
                        .reinterpretAsBytes();
                ByteVector v = lo.or(hb).sub((byte) 4); // high bit set: q = low; clear: q = low - 4
                int y = b * BLOCK + 16 * s;
                ((FloatVector) v.convertShape(VectorOperators.B2F, F, 0))
                        .mul(dl)
                        .intoArray(dst, y);
                if (L <= 8)
                    ((FloatVector) v.rearrange(Vectors.FROM8).convertShape(VectorOperators.B2F, F, 0))
                            .mul(dl)
                            .intoArray(dst, y + 8);
                if (L == 4) {
                    ((FloatVector) v.rearrange(Vectors.FROM4).convertShape(VectorOperators.B2F, F, 0))
                            .mul(dl)
                            .intoArray(dst, y + 4);
                    ((FloatVector) v.rearrange(Vectors.FROM12).convertShape(VectorOperators.B2F, F, 0))
                            .mul(dl)
                            .intoArray(dst, y + 12);
                }
            }
        }
    }

    @Override
    public void quantize(float[] src, int srcOff, int n, MemorySegment dst, long dstOff) {
        float[] scales = new float[16];
        int[] q = new int[256];
        for (int b = 0; b < n; b += BLOCK, dstOff += BYTES) {
            for (int s = 0; s < 16; s++) {
                float amax = 0f;
                for (int l = 0; l < 16; l++) amax = Math.max(amax, Math.abs(src[srcOff + b + 16 * s + l]));
                scales[s] = amax / 4f;
            }
            LE.putF16(dst, dstOff + D, KScales.max(scales) / 31f);
            float d = LE.f16(dst, dstOff + D);
            byte[] packed = new byte[12];
            for (int s = 0; s < 16; s++) {
                int ls = KScales.level(scales[s], d, 31);
                int v = ls + 32;
                if (s < 8) packed[s] |= (byte) (v & 0xF);
                else packed[s - 8] |= (byte) ((v & 0xF) << 4);
                packed[8 + (s & 3)] |= (byte) (((v >>> 4) & 3) << (2 * (s >>> 2)));
                float unit = d * ls;
                for (int l = 0; l < 16; l++) {
                    float x = src[srcOff + b + 16 * s + l];
                    q[16 * s + l] = unit > 0f ? Math.max(-4, Math.min(3, Math.round(x / unit))) : 0;
                }
            }
            for (int j = 0; j < 12; j++) LE.put8(dst, dstOff + SCALES + j, packed[j]);
            for (int m = 0; m < 32; m++) {
                int hmask = 0;
                for (int half = 0; half < 2; half++) {
                    int v = 0;
                    for (int j = 0; j < 4; j++) {
                        int qi = q[128 * half + 32 * j + m];
                        v |= ((qi + 4) & 3) << (2 * j);
                        if (qi >= 0) hmask |= 1 << (4 * half + j);
                    }
                    LE.put8(dst, dstOff + QS + 32L * half + m, v);
                }
                LE.put8(dst, dstOff + HMASK + m, hmask);
            }
        }
    }
}
