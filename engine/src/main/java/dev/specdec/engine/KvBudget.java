package dev.specdec.engine;

/**
 * The memory an engine's sessions may hold in KV caches and per-session buffers: a session
 * reserves its bytes before it allocates anything, so too many sessions are refused (or wait)
 * instead of ending in an OutOfMemoryError.
 */
final class KvBudget {
    /** What happens to a session that does not fit. */
    enum WhenFull {
        REFUSE,
        WAIT
    }

    private final long limit;
    private final WhenFull whenFull;
    private long reserved;
    private int sessions;

    KvBudget(long limit, WhenFull whenFull) {
        if (limit <= 0) throw new IllegalArgumentException("the KV memory budget must be > 0 bytes, got " + limit);
        this.limit = limit;
        this.whenFull = whenFull;
    }

    long limit() {
        return limit;
    }

    synchronized long reserved() {
        return reserved;
    }

    synchronized int sessions() {
        return sessions;
    }

    /** Reserves {@code bytes} for a session, waiting for room when so configured. */
    synchronized void reserve(long bytes) {
        if (bytes > limit) {
            throw new KvBudgetExceededException("one session needs " + mib(bytes)
                    + " of KV cache and buffers, more than the engine's whole budget of " + mib(limit)
                    + ": give the engine a larger kvBudget (and the JVM the heap for it, -Xmx) or a shorter context");
        }
        while (reserved + bytes > limit) {
            if (whenFull == WhenFull.REFUSE) {
                throw new KvBudgetExceededException("no room for another session: " + sessions + " open sessions hold "
                        + mib(reserved) + " of the " + mib(limit) + " KV budget and a new one needs " + mib(bytes)
                        + "; close a session, or build the engine to wait for room");
            }
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KvBudgetExceededException("interrupted while waiting for room in the KV budget");
            }
        }
        reserved += bytes;
        sessions++;
    }

    synchronized void release(long bytes) {
        reserved -= bytes;
        sessions--;
        notifyAll();
    }

    static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
    }
}
