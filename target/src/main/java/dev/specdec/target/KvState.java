package dev.specdec.target;

/**
 * The KV-cache bookkeeping every backend shares ({@link Transformer}, {@link CudaTransformer}): how
 * many positions the cache holds, the tokens behind them, and the checks on a forward call. The
 * keys and values themselves live with the backend (a {@link KvCache} on the CPU, device memory on
 * the GPU).
 *
 * <p>Rolling back is a length change: rows past the length are never read and the next forward
 * overwrites them, so a truncated cache is indistinguishable from one that never saw the
 * rolled-back tokens (design invariant 2).
 */
final class KvState {
    private final int capacity, vocabSize;
    private final int[] tokens; // [capacity]: the token at each cached position
    private int length;

    KvState(int capacity, int vocabSize) {
        if (capacity < 1) throw new IllegalArgumentException("context length must be >= 1, got " + capacity);
        this.capacity = capacity;
        this.vocabSize = vocabSize;
        this.tokens = new int[capacity];
    }

    /** Positions the cache can hold. */
    int capacity() {
        return capacity;
    }

    /** Positions the cache holds. */
    int length() {
        return length;
    }

    /**
     * Checks a forward of {@code toks[0..count)} at {@code position} and records the tokens; the
     * backend then computes them and calls {@link #filledTo} as each pass lands in its cache.
     */
    void begin(int[] toks, int count, int position) {
        if (position != length) {
            throw new IllegalArgumentException(
                    "forward at position " + position + " but the cache holds " + length + " tokens; truncate first");
        }
        if (count < 0 || count > toks.length) throw new IllegalArgumentException("count " + count + " out of range");
        if ((long) position + count > capacity) {
            throw new IllegalArgumentException(
                    "context is full: " + position + " + " + count + " tokens exceed the context length " + capacity);
        }
        for (int i = 0; i < count; i++) {
            if (toks[i] < 0 || toks[i] >= vocabSize) {
                throw new IllegalArgumentException("token id " + toks[i] + " out of range [0, " + vocabSize + ")");
            }
        }
        System.arraycopy(toks, 0, tokens, position, count);
    }

    /** The cache now holds positions [0, n): a pass of the current forward has stored its keys and values. */
    void filledTo(int n) {
        length = n;
    }

    /** Rolls back to the first {@code n} positions. */
    void truncate(int n) {
        if (n < 0 || n > length)
            throw new IllegalArgumentException("cannot truncate a cache of " + length + " tokens to " + n);
        length = n;
    }

    /** How many of {@code toks[0..n)} the cache holds, from the start. */
    int commonPrefix(int[] toks, int n) {
        int limit = Math.min(n, length), i = 0;
        while (i < limit && tokens[i] == toks[i]) i++;
        return i;
    }
}
