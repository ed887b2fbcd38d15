package dev.specdec.target;

import dev.specdec.kernels.F16Format;

/**
 * Keys and values of every layer, position by position, on the CPU. How many positions are valid
 * (and rolling back) is {@link KvState}'s: rows past its length are never read.
 */
public final class KvCache {
    /** Element type of the cache: F32 is exact; F16 halves the memory (values rounded to half). */
    public enum Type {
        F32,
        F16
    }

    private final Type type;
    private final int capacity, kvDim;
    private final float[][] k32, v32; // [layer][position * kvDim + i]
    private final short[][] k16, v16;

    public KvCache(Type type, int layers, int capacity, int kvDim) {
        this.type = type;
        this.capacity = capacity;
        this.kvDim = kvDim;
        long elems = (long) capacity * kvDim;
        if (elems > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException(
                    "KV cache of " + capacity + " x " + kvDim + " is too large; use a shorter context");
        }
        if (type == Type.F32) {
            k32 = new float[layers][(int) elems];
            v32 = new float[layers][(int) elems];
            k16 = v16 = null;
        } else {
            k16 = new short[layers][(int) elems];
            v16 = new short[layers][(int) elems];
            k32 = v32 = null;
        }
    }

    /** Bytes a cache of this shape holds (keys and values of every layer). */
    public static long bytes(Type type, int layers, int capacity, int kvDim) {
        return 2L * layers * capacity * kvDim * (type == Type.F32 ? Float.BYTES : Short.BYTES);
    }

    public Type type() {
        return type;
    }

    public int capacity() {
        return capacity;
    }

    public int kvDim() {
        return kvDim;
    }

    /** Stores key and value rows for {@code pos} in {@code layer}. */
    void store(int layer, int pos, float[] k, int kOff, float[] v, int vOff) {
        int base = pos * kvDim;
        if (type == Type.F32) {
            System.arraycopy(k, kOff, k32[layer], base, kvDim);
            System.arraycopy(v, vOff, v32[layer], base, kvDim);
        } else {
            short[] kl = k16[layer], vl = v16[layer];
            for (int i = 0; i < kvDim; i++) {
                kl[base + i] = Float.floatToFloat16(k[kOff + i]);
                vl[base + i] = Float.floatToFloat16(v[vOff + i]);
            }
        }
    }

    /** q · key[pos] over {@code n} values from offset {@code off} within the row. */
    float dotKey(int layer, int pos, int off, float[] q, int qOff, int n) {
        int base = pos * kvDim + off;
        if (type == Type.F32) return dev.specdec.kernels.Vectors.dot(k32[layer], base, q, qOff, n);
        return F16Format.dot(k16[layer], base, q, qOff, n);
    }

    /** out += w * value[pos] over {@code n} values from offset {@code off} within the row. */
    void addValue(int layer, int pos, int off, float w, float[] out, int outOff, int n) {
        int base = pos * kvDim + off;
        if (type == Type.F32) {
            float[] vl = v32[layer];
            for (int i = 0; i < n; i++) out[outOff + i] += w * vl[base + i];
        } else {
            F16Format.addScaled(w, v16[layer], base, out, outOff, n);
        }
    }
}
