package dev.specdec.kernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A persistent pool of compute threads that splits a range of OUTPUT rows into contiguous chunks,
 * one per thread (the caller runs chunk 0). Splitting outputs, never a reduction, keeps every
 * result independent of the thread count. Workers spin briefly for the next job, then park, so
 * back-to-back kernels of one forward pass hand off in microseconds without burning a core when idle.
 *
 * <p>One pool serves one forward pass at a time: {@link #parallelFor} is not reentrant and callers
 * (a model) hold it for the duration of a pass.
 */
public final class ComputePool implements AutoCloseable {

    /** A task over the half-open row range [start, end). */
    @FunctionalInterface
    public interface RangeTask {
        void run(int start, int end);
    }

    /** How long an idle thread spins before it parks: longer than the gap between two kernels of a pass. */
    private static final long SPIN_NANOS = 300_000;

    private final int threads;
    private final Thread[] workers;
    private volatile RangeTask task;
    private volatile int total;
    private volatile long generation;
    private final AtomicInteger pending = new AtomicInteger();
    private volatile Throwable failure;
    private volatile boolean closed;
    private volatile Thread caller;

    public ComputePool(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            final int index = i + 1;
            workers[i] = Thread.ofPlatform().daemon().name("specdec-compute-" + index).unstarted(() -> workLoop(index));
            workers[i].start();
        }
    }

    /** A pool with one thread per available processor. */
    public static ComputePool ofAvailableProcessors() {
        return new ComputePool(Runtime.getRuntime().availableProcessors());
    }

    public int threads() { return threads; }

    /** Runs {@code task} over [0, n) split into contiguous chunks, and returns when all are done. */
    public void parallelFor(int n, RangeTask task) {
        if (closed) throw new IllegalStateException("compute pool is closed");
        if (threads == 1 || n < 2) {
            task.run(0, n);
            return;
        }
        this.caller = Thread.currentThread();
        this.task = task;
        this.total = n;
        this.failure = null;
        pending.set(workers.length);
        generation++;                       // publishes task and total to the spinning workers
        for (Thread w : workers) LockSupport.unpark(w);
        Throwable own = null;
        try {
            runChunk(0, n, task);
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

    private void runChunk(int index, int n, RangeTask t) {
        int start = (int) ((long) n * index / threads);
        int end = (int) ((long) n * (index + 1) / threads);
        if (start < end) t.run(start, end);
    }

    private void workLoop(int index) {
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
                runChunk(index, total, task);
            } catch (Throwable t) {
                failure = t;
            } finally {
                if (pending.decrementAndGet() == 0) LockSupport.unpark(caller);
            }
        }
    }

    @Override public void close() {
        closed = true;
        for (Thread w : workers) LockSupport.unpark(w);
    }
}
