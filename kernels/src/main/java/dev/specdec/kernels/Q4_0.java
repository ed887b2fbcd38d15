package dev.specdec.kernels;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q4_0: blocks of 32 values, {@code { f16 d; uint8 qs[16]; }} (18 bytes). Value j (j < 16) is
 * {@code ((qs[j] & 15) - 8) * d}, value j + 16 is {@code ((qs[j] >> 4) - 8) * d}.
 */
public final class Q4_0 implements TensorFormat {
    public static final Q4_0 INSTANCE = new Q4_0();
    private Q4_0() {}

    static final int BLOCK = 32, BYTES = 18;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;

    @Override public boolean fusedDot() { return true; }

    @Override public GgmlType type() { return GgmlType.Q4_0; }

    @Override public float getFloat(MemorySegment w, long index) {
        long off = (index / BLOCK) * BYTES;
        int j = (int) (index % BLOCK);
        int q = LE.u8(w, off + 2 + (j & 15));
        int nib = j < 16 ? q & 15 : q >>> 4;
        return (nib - 8) * LE.f16(w, off);
    }

    @Override public void dequantize(MemorySegment w, long offset, float[] dst, int dstOff, int n) {
        for (int b = 0; b < n; b += BLOCK, offset += BYTES) {
            float d = LE.f16(w, offset);
            for (int j = 0; j < 16; j++) {
                int q = LE.u8(w, offset + 2 + j);
                dst[dstOff + b + j] = ((q & 15) - 8) * d;
                dst[dstOff + b + j + 16] = ((q >>> 4) - 8) * d;
            }
        }
    }


    /** Vectorized: the 16 bytes of a block split into low and high nibbles, widened and scaled. */
    @Override public void decode(MemorySegment w, long offset, float[] dst, int n) {
        var F = Vectors.F;
        int L = F.length(), parts = 16 / L;
        for (int b = 0; b < n; b += BLOCK, offset += BYTES) {
            FloatVector d = FloatVector.broadcast(F, LE.f16(w, offset));
            ByteVector q = ByteVector.fromMemorySegment(B, w, offset + 2, ByteOrder.LITTLE_ENDIAN);
            ByteVector lo = q.and((byte) 15).sub((byte) 8);
            ByteVector hi = q.lanewise(VectorOperators.LSHR, 4).and((byte) 15).sub((byte) 8);
            for (int p = 0; p < parts; p++) {
                ((FloatVector) lo.convertShape(VectorOperators.B2F, F, p)).mul(d).intoArray(dst, b + p * L);
                ((FloatVector) hi.convertShape(VectorOperators.B2F, F, p)).mul(d).intoArray(dst, b + 16 + p * L);
            }
        }
    }

    /** Fused single-row dot: the lanes of {@link #decode}, multiplied in the order {@link Matmul} uses. */
    @Override public float dot(MemorySegment w, long offset, float[] x, int xOff, int n) {
        if (!Vectors.ENABLED) return dotReference(w, offset, x, xOff, n);
        if (Vectors.F.length() == 16) return dot16(w, offset, x, xOff, n);
        var F = Vectors.F;
        int L = F.length(), parts = 16 / L;
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
        for (int b = 0; b < n; b += BLOCK, offset += BYTES) {
            FloatVector d = FloatVector.broadcast(F, LE.f16(w, offset));
            ByteVector q = ByteVector.fromMemorySegment(B, w, offset + 2, ByteOrder.LITTLE_ENDIAN);
            ByteVector lo = q.and((byte) 15).sub((byte) 8);
            ByteVector hi = q.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 15).sub((byte) 8);
            for (int k = 0; k < 2 * parts; k++) {
                ByteVector src = k < parts ? lo : hi;
                FloatVector v = ((FloatVector) src.convertShape(VectorOperators.B2F, F, k % parts)).mul(d);
                FloatVector xv = FloatVector.fromArray(F, x, xOff + b + k * L);
                if ((k & 1) == 0) a0 = v.fma(xv, a0); else a1 = v.fma(xv, a1);
            }
        }
        return Vectors.sum(a0.add(a1));
    }


    /**
     * {@link #dot} at 16 lanes (one vector per half block), the same operations in a counted int
     * loop (C2 then drops most per-load bounds checks). Not over a slice of the row: a slice is an
     * object that escape analysis failed to remove in some compilations (the batched allocation test).
     */
    private static float dot16(MemorySegment w, long offset, float[] x, int xOff, int n) {
        var F = Vectors.F;
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        int blocks = n / BLOCK;
        for (int j = 0; j < blocks; j++) {
            long o = offset + (long) j * BYTES;
            int i = xOff + j * BLOCK;
            FloatVector d = FloatVector.broadcast(F, LE.f16(w, o));
            ByteVector q = ByteVector.fromMemorySegment(B, w, o + 2, ByteOrder.LITTLE_ENDIAN);
            FloatVector v = ((FloatVector) q.and((byte) 15).sub((byte) 8).convertShape(VectorOperators.B2F, F, 0)).mul(d);
            FloatVector u = ((FloatVector) q.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 15).sub((byte) 8).convertShape(VectorOperators.B2F, F, 0)).mul(d);
            a0 = v.fma(FloatVector.fromArray(F, x, i), a0);
            a1 = u.fma(FloatVector.fromArray(F, x, i + 16), a1);
        }
        return Vectors.sum(a0.add(a1));
    }

    @Override public void quantize(float[] src, int srcOff, int n, MemorySegment dst, long dstOff) {
        for (int b = 0; b < n; b += BLOCK, dstOff += BYTES) {
            float amax = 0f, max = 0f;
            for (int j = 0; j < BLOCK; j++) {
                float v = src[srcOff + b + j];
                if (Math.abs(v) > amax) { amax = Math.abs(v); max = v; }
            }
            float d = max / -8f;
            float id = d != 0f ? 1f / d : 0f;
            LE.putF16(dst, dstOff, d);
            for (int j = 0; j < 16; j++) {
                int q0 = Math.min(15, (int) (src[srcOff + b + j] * id + 8.5f));
                int q1 = Math.min(15, (int) (src[srcOff + b + 16 + j] * id + 8.5f));
                LE.put8(dst, dstOff + 2 + j, q0 | (q1 << 4));
            }
        }
    }
}
