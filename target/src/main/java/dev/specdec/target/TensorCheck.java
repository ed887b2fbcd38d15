package dev.specdec.target;

import dev.specdec.kernels.ComputePool;
import dev.specdec.kernels.Ops;
import dev.specdec.kernels.Tensor;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@link LoadOptions#checkTensors}: every value of every tensor, decoded by its format's own decode
 * (what the matmul uses), must be finite. A NaN or Inf weight, or a non-finite block scale or min
 * (which turns its whole block into NaN), would otherwise make every logit NaN and greedy decoding
 * emit token 0 forever. The tensors stay in the mapping: each thread decodes chunks into one
 * buffer of its own, and the error names the first bad element in file order.
 */
final class TensorCheck {
    private TensorCheck() {}

    /** Elements decoded at a time: a multiple of every block size (256), 64 KiB of floats. */
    private static final int CHUNK = 1 << 14;

    /**
     * @param path    the file, as errors name it
     * @param file    its mapping, of which every tensor is a slice (for the byte offset in the error)
     * @param tensors in file order: the first bad value in this order is reported
     */
    static void scan(Path path, MemorySegment file, List<Tensor> tensors, int threads) {
        // chunk c of the whole scan belongs to tensor t when first[t] <= c < first[t + 1]
        long[] first = new long[tensors.size() + 1];
        for (int t = 0; t < tensors.size(); t++)
            first[t + 1] = first[t] + (tensors.get(t).elements() + CHUNK - 1) / CHUNK;
        int chunks = Math.toIntExact(first[tensors.size()]);
        AtomicLong bad = new AtomicLong(Long.MAX_VALUE); // the earliest bad value: chunk * CHUNK + index
        try (ComputePool pool =
                new ComputePool(threads > 0 ? threads : Runtime.getRuntime().availableProcessors())) {
            pool.parallelFor(chunks, (start, end) -> {
                float[] buf = new float[CHUNK]; // once per range of chunks, not per chunk
                int t = tensorOf(first, start);
                for (int c = start; c < end; c++) {
                    if ((long) c * CHUNK > bad.get()) return; // an earlier bad value is already known
                    while (c >= first[t + 1]) t++;
                    Tensor tensor = tensors.get(t);
                    long from = (c - first[t]) * CHUNK;
                    int n = (int) Math.min(CHUNK, tensor.elements() - from);
                    tensor.format().decode(tensor.data(), tensor.type().bytesFor(from), buf, n);
                    int i = Ops.firstNonFinite(buf, n);
                    if (i >= 0) bad.accumulateAndGet((long) c * CHUNK + i, Math::min);
                }
            });
        }
        if (bad.get() == Long.MAX_VALUE) return;
        long c = bad.get() / CHUNK;
        int t = tensorOf(first, c);
        Tensor tensor = tensors.get(t);
        long element = (c - first[t]) * CHUNK + bad.get() % CHUNK;
        throw error(path, file, tensor, element);
    }

    private static int tensorOf(long[] first, long chunk) {
        int i = Arrays.binarySearch(first, chunk); // first[] strictly increases: no tensor is empty
        return i >= 0 ? i : -i - 2;
    }

    private static ModelFormatException error(Path path, MemorySegment file, Tensor t, long element) {
        float[] value = new float[t.type().blockSize()];
        long block = element / t.type().blockSize();
        long blockAt = t.type().bytesFor(block * t.type().blockSize());
        t.format().decode(t.data(), blockAt, value, value.length);
        float v = value[(int) (element % value.length)];
        long row = element / t.shape()[0], column = element % t.shape()[0];
        long at = t.data().address() - file.address() + blockAt;
        String where = "element " + element + " (row " + row + ", column " + column + ")";
        String problem = t.type().blockSize() == 1
                ? t.type() + " " + Arrays.toString(t.shape()) + " holds " + v + " at " + where
                : t.type() + " " + Arrays.toString(t.shape()) + ": block " + block + " decodes to " + v + " at " + where
                        + ": the block's scale or min is not finite";
        return new ModelFormatException(path, at, "tensor '" + t.name() + "'", problem);
    }
}
