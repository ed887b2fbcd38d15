package dev.specdec.kernels;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A named tensor: its type, its ggml shape ({@code shape[0]} is the contiguous dimension) and a
 * view of its bytes (normally a slice of a memory-mapped model file, never a heap copy).
 */
public record Tensor(String name, GgmlType type, long[] shape, MemorySegment data) {

    public long elements() {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }

    /** Length of one row (the contiguous dimension). */
    public int cols() {
        return Math.toIntExact(shape[0]);
    }

    /** Number of rows: the product of all dimensions but the first. */
    public int rows() {
        return Math.toIntExact(elements() / shape[0]);
    }

    /** Bytes of one row. */
    public long rowBytes() {
        return type.bytesFor(shape[0]);
    }

    public TensorFormat format() {
        return type.format();
    }

    /** Dequantizes row {@code r} into {@code dst[dstOff..]}. */
    public void row(int r, float[] dst, int dstOff) {
        format().dequantize(data, r * rowBytes(), dst, dstOff, cols());
    }

    /** All values as floats (tests and small tensors such as norm weights only). */
    public float[] toFloats() {
        float[] out = new float[Math.toIntExact(elements())];
        format().dequantize(data, 0, out, 0, out.length);
        return out;
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape);
    }
}
