package dev.specdec.kernels;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q8_0: blocks of 32 values, {@code { f16 d; int8 qs[32]; }} (34 bytes); value = qs[i] * d.
 */
public final class Q8_0 implements TensorFormat {
    public static final Q8_0 INSTANCE = new Q8_0();

    private Q8_0() {}

    private static final GgmlType T = GgmlType.Q8_0;
    static final int BLOCK = T.blockSize(), BYTES = T.bytesPerBlock();
    private static final int D = T.offset("d"), QS = T.offset("qs");
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;

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
        long off = (index / BLOCK) * BYTES;
        return LE.f16(w, off + D) * LE.s8(w, off + QS + index % BLOCK);
    }

    @Override
    public void dequantize(MemorySegment w, long offset, float[] dst, int dstOff, int n) {
        for (int b = 0; b < n; b += BLOCK, offset += BYTES) {
            float d = LE.f16(w, offset + D);
            for (int j = 0; j < BLOCK; j++) dst[dstOff + b + j] = LE.s8(w, offset + QS + j) * d;
        }
    }

    /** Vectorized: each half block's 16 bytes widened to floats (16 / L conversions) and scaled. */
    @Override
    public void decode(MemorySegment w, long offset, float[] dst, int n) {
        var F = Vectors.F;
        int L = F.length(), blocks = n / BLOCK;
        for (int j = 0; j < blocks; j++) {
            long o = offset + (long) j * BYTES;
            FloatVector d = FloatVector.broadcast(F, LE.f16(w, o + D));
            for (int h = 0; h < 2; h++) {
                ByteVector q = ByteVector.fromMemorySegment(B, w, o + QS + 16L * h, ByteOrder.LITTLE_ENDIAN);
                int y = j * BLOCK + 16 * h;
                ((FloatVector) q.convertShape(VectorOperators.B2F, F, 0)).mul(d).intoArray(dst, y);
                if (L <= 8)
                    ((FloatVector) q.rearrange(Vectors.FROM8).convertShape(VectorOperators.B2F, F, 0))
                            .mul(d)
                            .intoArray(dst, y + 8);
                if (L == 4) {
                    ((FloatVector) q.rearrange(Vectors.FROM4).convertShape(VectorOperators.B2F, F, 0))
                            .mul(d)
                            .intoArray(dst, y + 4);
                    ((FloatVector) q.rearrange(Vectors.FROM12).convertShape(VectorOperators.B2F, F, 0))
                            .mul(d)
                            .intoArray(dst, y + 12);
                }
            }
        }
    }

    /**
     * Fused single-row dot: the lanes of {@link #decode}, multiplied in the order {@link Matmul}
     * uses (lane chunks of L values alternate between two accumulators in memory order), written
     * out per width so every conversion is a constant part 0. The loop runs on the weight offset (a
     * long): as a counted int loop over blocks it ran at half speed at 256 bits on weights from DRAM
     * whenever C2 compiled it without loop strip mining, which is the default under the Parallel and
     * Serial collectors (the launcher's), with the same instructions in the body (one thread, ns per
     * KiB: 470 against 225). Not over a slice of the row: a slice is an object that escape analysis
     * failed to remove in some compilations (the batched allocation test).
     */
    @Override
    public float dot(MemorySegment w, long offset, float[] x, int xOff, int n) {
        if (!Vectors.ENABLED) return dotReference(w, offset, x, xOff, n);
        var F = Vectors.F;
        int L = F.length(), i = xOff;
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        long end = offset + (long) (n / BLOCK) * BYTES;
        for (long o = offset; o < end; o += BYTES, i += BLOCK) {
            FloatVector d = FloatVector.broadcast(F, LE.f16(w, o + D));
            ByteVector p = ByteVector.fromMemorySegment(B, w, o + QS, ByteOrder.LITTLE_ENDIAN);
            ByteVector q = ByteVector.fromMemorySegment(B, w, o + QS + 16, ByteOrder.LITTLE_ENDIAN);
            if (L == 16) {
                a0 = ((FloatVector) p.convertShape(VectorOperators.B2F, F, 0))
                        .mul(d)
                        .fma(FloatVector.fromArray(F, x, i), a0);
                a1 = ((FloatVector) q.convertShape(VectorOperators.B2F, F, 0))
                        .mul(d)
                        .fma(FloatVector.fromArray(F, x, i + 16), a1);
            } else if (L == 8) {
                a0 = ((FloatVector) p.convertShape(VectorOperators.B2F, F, 0))
                        .mul(d)
                        .fma(FloatVector.fromArray(F, x, i), a0);
                a1 = ((FloatVector) p.rearrange(Vectors.FROM8).convertShape(VectorOperators.B2F, F, 0))
                        .mul(d)
                        .fma(FloatVector.fromArray(F, x, i + 8), a1);
                a0 = ((FloatVector) q.convertShape(VectorOperators.B2F, F, 0))
                        .mul(d)
                        .fma(FloatVector.fromArray(F, x, i + 16), a0);
                a1 = ((FloatVector) q.rearrange(Vectors.FROM8).convertShape(VectorOperators.B2F, F, 0))
                        .mul(d)
                        .fma(FloatVector.fromArray(F, x, i + 24), a1);
            } else {
                a0 = ((FloatVector) p.convertShape(VectorOperators.B2F, F, 0))
                        .mul(d)
                        .fma(FloatVector.fromArray(F, x, i), a0);
                a1 = ((FloatVector) p.rearrange(Vectors.FROM4).convertShape(VectorOperators.B2F, F, 0))
                        .mul(d)
                        .fma(FloatVector.fromArray(F, x, i + 4), a1);
                a0 = ((FloatVector) p.rearrange(Vectors.FROM8).convertShape(VectorOperators.B2F, F, 0))
                        .mul(d)
                        .fma(FloatVector.fromArray(F, x, i + 8), a0);
                a1 = ((FloatVector) p.rearrange(Vectors.FROM12).convertShape(VectorOperators.B2F, F, 0))
                        .mul(d)
                        .fma(FloatVector.fromArray(F, x, i + 12), a1);
                a0 = ((FloatVector) q.convertShape(VectorOperators.B2F, F, 0))
                        .mul(d)
                        .fma(FloatVector.fromArray(F, x, i + 16), a0);
                a1 = ((FloatVector) q.rearrange(Vectors.FROM4).convertShape(VectorOperators.B2F, F, 0))
                        .mul(d)
                        .fma(FloatVector.fromArray(F, x, i + 20), a1);
                a0 = ((FloatVector) q.rearrange(Vectors.FROM8).convertShape(VectorOperators.B2F, F, 0))
                        .mul(d)
                        .fma(FloatVector.fromArray(F, x, i + 24), a0);
                a1 = ((FloatVector) q.rearrange(Vectors.FROM12).convertShape(VectorOperators.B2F, F, 0))
                        .mul(d)
                        .fma(FloatVector.fromArray(F, x, i + 28), a1);
            }
        }
        // the lane sum of Vectors.sum, written out (a call could box the vector)
        FloatVector v = a0.add(a1);
        if (L == 16) v = v.add(v.rearrange(Vectors.ROT8));
        if (L >= 8) v = v.add(v.rearrange(Vectors.ROT4));
        v = v.add(v.rearrange(Vectors.ROT2));
        return v.add(v.rearrange(Vectors.ROT1)).lane(0);
    }

    /**
     * Two activation rows at once (x[xOff..] and x[xOff + stride..]): each weight lane is decoded
     * once for both; per row exactly the arithmetic of {@link #dot}, so the results are bitwise
     * those of two dots. 16 lanes only (the measured winner there; elsewhere two dots).
     */
    @Override
    public void dot2(
            MemorySegment w, long offset, float[] x, int xOff, int stride, int n, float[] y, int yOff, int yStride) {
        if (!Vectors.ENABLED || Vectors.F.length() != 16) {
            TensorFormat.super.dot2(w, offset, x, xOff, stride, n, y, yOff, yStride);
            return;
        }
        var F = Vectors.F;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, c0 = a0, c1 = a0;
        int x0 = xOff, x1 = xOff + stride, blocks = n / BLOCK;
        for (int j = 0; j < blocks; j++) {
            long o = offset + (long) j * BYTES;
            int i = j * BLOCK;
            FloatVector d = FloatVector.broadcast(F, LE.f16(w, o + D));
            FloatVector v = ((FloatVector) ByteVector.fromMemorySegment(B, w, o + QS, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.B2F, F, 0))
                    .mul(d);
            FloatVector u = ((FloatVector) ByteVector.fromMemorySegment(B, w, o + QS + 16, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.B2F, F, 0))
                    .mul(d);
            a0 = v.fma(FloatVector.fromArray(F, x, x0 + i), a0);
            c0 = v.fma(FloatVector.fromArray(F, x, x1 + i), c0);
            a1 = u.fma(FloatVector.fromArray(F, x, x0 + i + 16), a1);
            c1 = u.fma(FloatVector.fromArray(F, x, x1 + i + 16), c1);
        }
        // the lane sums of Vectors.sum, written out (a call could box the vectors); 16 lanes here
        FloatVector v = a0.add(a1), u = c0.add(c1);
        v = v.add(v.rearrange(Vectors.ROT8));
        u = u.add(u.rearrange(Vectors.ROT8));
        v = v.add(v.rearrange(Vectors.ROT4));
        u = u.add(u.rearrange(Vectors.ROT4));
        v = v.add(v.rearrange(Vectors.ROT2));
        u = u.add(u.rearrange(Vectors.ROT2));
        y[yOff] = v.add(v.rearrange(Vectors.ROT1)).lane(0);
        y[yOff + yStride] = u.add(u.rearrange(Vectors.ROT1)).lane(0);
    }

    @Override
    public int pairRows() {
        return Vectors.ENABLED && Vectors.F.length() == 16 ? 8 : 0;
    }

    @Override
    public void quantize(float[] src, int srcOff, int n, MemorySegment dst, long dstOff) {
        for (int b = 0; b < n; b += BLOCK, dstOff += BYTES) {
            float amax = 0f;
            for (int j = 0; j < BLOCK; j++) amax = Math.max(amax, Math.abs(src[srcOff + b + j]));
            float d = amax / 127f;
            float id = d != 0f ? 1f / d : 0f;
            LE.putF16(dst, dstOff + D, d);
            for (int j = 0; j < BLOCK; j++) LE.put8(dst, dstOff + QS + j, Math.round(src[srcOff + b + j] * id));
        }
    }
}
