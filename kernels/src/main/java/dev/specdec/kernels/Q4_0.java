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

    private static final GgmlType T = GgmlType.Q4_0;
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
        int j = (int) (index % BLOCK);
        int q = LE.u8(w, off + QS + (j & 15));
        int nib = j < 16 ? q & 15 : q >>> 4;
        return (nib - 8) * LE.f16(w, off + D);
    }

    @Override
    public void dequantize(MemorySegment w, long offset, float[] dst, int dstOff, int n) {
        for (int b = 0; b < n; b += BLOCK, offset += BYTES) {
            float d = LE.f16(w, offset + D);
            for (int j = 0; j < 16; j++) {
                int q = LE.u8(w, offset + QS + j);
                dst[dstOff + b + j] = ((q & 15) - 8) * d;
                dst[dstOff + b + j + 16] = ((q >>> 4) - 8) * d;
            }
        }
    }

    /**
     * Vectorized: the 16 bytes of a block split into low and high nibbles (16-bit lane shifts: x86
     * has no byte shift), widened (16 / L conversions each) and scaled.
     */
    @Override
    public void decode(MemorySegment w, long offset, float[] dst, int n) {
        var F = Vectors.F;
        int L = F.length(), blocks = n / BLOCK;
        for (int j = 0; j < blocks; j++) {
            long o = offset + (long) j * BYTES;
            FloatVector d = FloatVector.broadcast(F, LE.f16(w, o + D));
            ByteVector q = ByteVector.fromMemorySegment(B, w, o + QS, ByteOrder.LITTLE_ENDIAN);
            for (int h = 0; h < 2; h++) {
                // h = 0: low nibbles (values 0-15); h = 1: high nibbles (values 16-31)
                ByteVector v = q.reinterpretAsShorts()
                        .lanewise(VectorOperators.LSHR, 4 * h)
                        .reinterpretAsBytes()
                        .and((byte) 15)
                        .sub((byte) 8);
                int y = j * BLOCK + 16 * h;
                ((FloatVector) v.convertShape(VectorOperators.B2F, F, 0)).mul(d).intoArray(dst, y);
                if (L <= 8)
                    ((FloatVector) v.rearrange(Vectors.FROM8).convertShape(VectorOperators.B2F, F, 0))
                            .mul(d)
                            .intoArray(dst, y + 8);
                if (L == 4) {
                    ((FloatVector) v.rearrange(Vectors.FROM4).convertShape(VectorOperators.B2F, F, 0))
                            .mul(d)
                            .intoArray(dst, y + 4);
                    ((FloatVector) v.rearrange(Vectors.FROM12).convertShape(VectorOperators.B2F, F, 0))
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
            ByteVector q = ByteVector.fromMemorySegment(B, w, o + QS, ByteOrder.LITTLE_ENDIAN);
            ByteVector lo = q.and((byte) 15).sub((byte) 8);
            ByteVector hi = q.reinterpretAsShorts()
                    .lanewise(VectorOperators.LSHR, 4)
                    .reinterpretAsBytes()
                    .and((byte) 15)
                    .sub((byte) 8);
            if (L == 16) {
                a0 = ((FloatVector) lo.convertShape(VectorOperators.B2F, F, 0))
                        .mul(d)
                        .fma(FloatVector.fromArray(F, x, i), a0);
                a1 = ((FloatVector) hi.convertShape(VectorOperators.B2F, F, 0))
                        .mul(d)
                        .fma(FloatVector.fromArray(F, x, i + 16), a1);
            } else if (L == 8) {
                a0 = ((FloatVector) lo.convertShape(VectorOperators.B2F, F, 0))
                        .mul(d)
                        .fma(FloatVector.fromArray(F, x, i), a0);
                a1 = ((FloatVector) lo.rearrange(Vectors.FROM8).convertShape(VectorOperators.B2F, F, 0))
                        .mul(d)
                        .fma(FloatVector.fromArray(F, x, i + 8), a1);
                a0 = ((FloatVector) hi.convertShape(VectorOperators.B2F, F, 0))
                        .mul(d)
                        .fma(FloatVector.fromArray(F, x, i + 16), a0);
                a1 = ((FloatVector) hi.rearrange(Vectors.FROM8).convertShape(VectorOperators.B2F, F, 0))
                        .mul(d)
                        .fma(FloatVector.fromArray(F, x, i + 24), a1);
            } else {
                a0 = ((FloatVector) lo.convertShape(VectorOperators.B2F, F, 0))
                        .mul(d)
                        .fma(FloatVector.fromArray(F, x, i), a0);
                a1 = ((FloatVector) lo.rearrange(Vectors.FROM4).convertShape(VectorOperators.B2F, F, 0))
                        .mul(d)
                        .fma(FloatVector.fromArray(F, x, i + 4), a1);
                a0 = ((FloatVector) lo.rearrange(Vectors.FROM8).convertShape(VectorOperators.B2F, F, 0))
                        .mul(d)
                        .fma(FloatVector.fromArray(F, x, i + 8), a0);
                a1 = ((FloatVector) lo.rearrange(Vectors.FROM12).convertShape(VectorOperators.B2F, F, 0))
                        .mul(d)
                        .fma(FloatVector.fromArray(F, x, i + 12), a1);
                a0 = ((FloatVector) hi.convertShape(VectorOperators.B2F, F, 0))
                        .mul(d)
                        .fma(FloatVector.fromArray(F, x, i + 16), a0);
                a1 = ((FloatVector) hi.rearrange(Vectors.FROM4).convertShape(VectorOperators.B2F, F, 0))
                        .mul(d)
                        .fma(FloatVector.fromArray(F, x, i + 20), a1);
                a0 = ((FloatVector) hi.rearrange(Vectors.FROM8).convertShape(VectorOperators.B2F, F, 0))
                        .mul(d)
                        .fma(FloatVector.fromArray(F, x, i + 24), a0);
                a1 = ((FloatVector) hi.rearrange(Vectors.FROM12).convertShape(VectorOperators.B2F, F, 0))
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

    @Override
    public void quantize(float[] src, int srcOff, int n, MemorySegment dst, long dstOff) {
        for (int b = 0; b < n; b += BLOCK, dstOff += BYTES) {
            float amax = 0f, max = 0f;
            for (int j = 0; j < BLOCK; j++) {
                float v = src[srcOff + b + j];
                if (Math.abs(v) > amax) {
                    amax = Math.abs(v);
                    max = v;
                }
            }
            float d = max / -8f;
            float id = d != 0f ? 1f / d : 0f;
            LE.putF16(dst, dstOff + D, d);
            for (int j = 0; j < 16; j++) {
                int q0 = Math.min(15, (int) (src[srcOff + b + j] * id + 8.5f));
                int q1 = Math.min(15, (int) (src[srcOff + b + 16 + j] * id + 8.5f));
                LE.put8(dst, dstOff + QS + j, q0 | (q1 << 4));
            }
        }
    }
}
