package dev.specdec.kernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A persistent pool of compute threads that splits a range of OUTPUT rows into contiguous chunks,
 * CHUNKS_PER_THREAD per thread, which the threads (the caller among them) claim one after another
 * from a shared counter: a core slowed by other work on the machine takes fewer chunks instead of
 * holding everyone up at the end of each kernel. Splitting outputs, never a reduction, keeps every
 * result independent of the thread count and of who ran which chunk. Workers spin briefly for the
 * next job, then park, so back-to-back kernels of one forward pass hand off in microseconds
 * without burning a core when idle.
 *
 * <p>One pool serves one forward pass at a time: {@link #parallelFor} is not reentrant, and a second
 * call while one runs (from another thread, or from inside a task) fails at once with an
 * {@link IllegalStateException} rather than mixing two jobs' chunks. Sessions that share a pool
 * take turns per pass (the engine's job).
 */
public final class ComputePool implements AutoCloseable {

    /** A task over the half-open row range [start, end). */
    @FunctionalInterface
    public interface RangeTask {
        void run(int start, int end);
    }

    /** How long an idle thread spins before it parks: longer than the gap between two kernels of a pass. */
    private static final long SPIN_NANOS = 300_000;

    /** Chunks per thread: enough to even out a slow core, few enough that claiming one is noise. */
    private static final int CHUNKS_PER_THREAD = 8;

    /** Chunk boundaries fall on multiples of this (when the range is large enough): the matmul's row block. */
    private static final int ALIGN = 4;

    private final int threads;
    private final Thread[] workers;
    private volatile RangeTask task;
    private volatile int total;
    private volatile long generation;
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicInteger nextChunk = new AtomicInteger();
    private volatile int chunks;
    private volatile Throwable failure;
    private volatile boolean closed;
    private volatile Thread caller;
    /** The thread inside {@link #parallelFor}, or null: the fail-fast guard against concurrent use. */
    private final java.util.concurrent.atomic.AtomicReference<Thread> running =
            new java.util.concurrent.atomic.AtomicReference<>();

    public ComputePool(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            final int index = i + 1;
            workers[i] = Thread.ofPlatform()
                    .daemon()
                    .name("specdec-compute-" + index)
                    .unstarted(this::workLoop);
            workers[i].start();
        }
    }

    /** A pool with one thread per available processor. */
    public static ComputePool ofAvailableProcessors() {
        return new ComputePool(Runtime.getRuntime().availableProcessors());
    }

    public int threads() {
        return threads;
    }

    /** Runs {@code task} over [0, n) split into contiguous chunks, and returns when all are done. */
    public void parallelFor(int n, RangeTask task) {
        if (closed) throw new IllegalStateException("compute pool is closed");
        Thread me = Thread.currentThread();
        if (!running.compareAndSet(null, me)) {
            Thread other = running.get();
            throw new IllegalStateException("this compute pool is already running a job"
                    + (other == me ? " on this thread (parallelFor is not reentrant)" : " for thread '" + other + "'")
                    + ": a pool runs one job at a time; sessions that share it must take turns per pass "
                    + "(as dev.specdec.engine.Engine's sessions do)");
        }
        try {
            if (threads == 1 || n < 2) task.run(0, n);
            else runOnPool(n, task, me);
        } finally {
            running.set(null);
        }
    }

    private void runOnPool(int n, RangeTask task, Thread me) {
        this.caller = me;
        this.task = task;
        this.total = n;
        this.chunks = Math.min(n, threads * CHUNKS_PER_THREAD);
        this.failure = null;
        nextChunk.set(0);
        pending.set(workers.length);
        generation++; // publishes task and total to the spinning workers
        for (Thread w : workers) LockSupport.unpark(w);
        Throwable own = null;
        try {
            runChunks(n, task);
        } catch (Throwable t) {
            own = t;
        }
        long spinUntil = System.nanoTime() + SPIN_NANOS;
        int spins = 0;
        while (pending.get() != 0) {
            if ((++spins & 255) == 0 && System.nanoTime() > spinUntil) LockSupport.parkNanos(this, 20_000);
            else Thread.onSpinWait();
        }
        this.task = null;
        Throwable f = own != null ? own : failure;
        if (f instanceof RuntimeException re) throw re;
        if (f instanceof Error e) throw e;
        if (f != null) throw new RuntimeException(f);
    }

    /** Claims and runs chunks of [0, n) until none is left. */
    private void runChunks(int n, RangeTask t) {
        int count = chunks;
        for (int c = nextChunk.getAndIncrement(); c < count; c = nextChunk.getAndIncrement()) {
            int start = boundary(n, c, count), end = boundary(n, c + 1, count);
            if (start < end) t.run(start, end);
        }
    }

    private static int boundary(int n, int c, int count) {
        if (c >= count) return n;
        int b = (int) ((long) n * c / count);
        return n >= ALIGN * count ? b - b % ALIGN : b;
    }

    private void workLoop() {
        long seen = 0;
        while (!closed) {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            int spins = 0;
            while (generation == seen && !closed) {
                if ((++spins & 255) == 0 && System.nanoTime() > spinUntil) LockSupport.park(this);
                else Thread.onSpinWait();
            }
            if (closed) return;
            seen = generation;
            try {
                runChunks(total, task);
            } catch (Throwable t) {
                failure = t;
            } finally {
                if (pending.decrementAndGet() == 0) LockSupport.unpark(caller);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) LockSupport.unpark(w);
    }
}
