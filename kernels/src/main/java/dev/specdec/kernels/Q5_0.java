package dev.specdec.kernels;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ByteVector;
import java.nio.ByteOrder;

/**
 * Q5_0: blocks of 32, {@code { f16 d; uint32 qh; uint8 qs[16]; }} (22 bytes). The low four bits
 * come from the nibbles as in Q4_0; bit j of qh is the fifth bit of value j; value = (q - 16) * d.
 */
public final class Q5_0 implements TensorFormat {
    public static final Q5_0 INSTANCE = new Q5_0();
    private Q5_0() {}

    static final int BLOCK = 32, BYTES = 22;

    @Override public GgmlType type() { return GgmlType.Q5_0; }

    @Override public float getFloat(MemorySegment w, long index) { return BlockScratch.elementOf(this, w, index); }

    @Override public void dequantize(MemorySegment w, long offset, float[] dst, int dstOff, int n) {
        for (int b = 0; b < n; b += BLOCK, offset += BYTES) {
            float d = LE.f16(w, offset);
            int qh = LE.i32(w, offset + 2);
            for (int j = 0; j < 16; j++) {
                int q = LE.u8(w, offset + 6 + j);
                int x0 = (q & 15) | (((qh >>> j) << 4) & 0x10);
                int x1 = (q >>> 4) | ((qh >>> (j + 12)) & 0x10);
                dst[dstOff + b + j] = (x0 - 16) * d;
                dst[dstOff + b + j + 16] = (x1 - 16) * d;
            }
        }
    }


    /** Vectorized: the fifth bits spread from qh with per-lane shifts, or-ed onto the nibbles. */
    @Override public void decode(MemorySegment w, long offset, float[] dst, int n) {
        var F = Vectors.F;
        var I = Q5Bits.I;
        int L = F.length(), parts = 16 / L;
        for (int b = 0; b < n; b += BLOCK, offset += BYTES) {
            FloatVector d = FloatVector.broadcast(F, LE.f16(w, offset));
            int qh = LE.i32(w, offset + 2);
            ByteVector q = ByteVector.fromMemorySegment(ByteVector.SPECIES_128, w, offset + 6, ByteOrder.LITTLE_ENDIAN);
            ByteVector lo = q.and((byte) 15), hi = q.lanewise(VectorOperators.LSHR, 4).and((byte) 15);
            for (int p = 0; p < parts; p++) {
                IntVector x0 = ((IntVector) lo.convertShape(VectorOperators.B2I, I, p)).or(Q5Bits.fifth(qh, p * L));
                IntVector x1 = ((IntVector) hi.convertShape(VectorOperators.B2I, I, p)).or(Q5Bits.fifth(qh, 16 + p * L));
                ((FloatVector) x0.sub(16).convert(VectorOperators.I2F, 0)).mul(d).intoArray(dst, b + p * L);
                ((FloatVector) x1.sub(16).convert(VectorOperators.I2F, 0)).mul(d).intoArray(dst, b + 16 + p * L);
            }
        }
    }

    @Override public void quantize(float[] src, int srcOff, int n, MemorySegment dst, long dstOff) {
        for (int b = 0; b < n; b += BLOCK, dstOff += BYTES) {
            float amax = 0f, max = 0f;
            for (int j = 0; j < BLOCK; j++) {
                float v = src[srcOff + b + j];
                if (Math.abs(v) > amax) { amax = Math.abs(v); max = v; }
            }
            float d = max / -16f;
            float id = d != 0f ? 1f / d : 0f;
            LE.putF16(dst, dstOff, d);
            int qh = 0;
            for (int j = 0; j < 16; j++) {
                int q0 = Math.min(31, (int) (src[srcOff + b + j] * id + 16.5f));
                int q1 = Math.min(31, (int) (src[srcOff + b + 16 + j] * id + 16.5f));
                LE.put8(dst, dstOff + 6 + j, (q0 & 15) | ((q1 & 15) << 4));
                qh |= ((q0 & 0x10) >>> 4) << j;
                qh |= ((q1 & 0x10) >>> 4) << (j + 16);
            }
            LE.put32(dst, dstOff + 2, qh);
        }
    }
}
