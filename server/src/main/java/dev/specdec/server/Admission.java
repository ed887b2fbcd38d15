package dev.specdec.server;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * At most {@code maxRunning} generations at once, at most {@code queue} more waiting (in arrival
 * order); beyond that a request is refused at once with 429, so a burst cannot pile up threads and
 * memory without bound.
 */
final class Admission {
    /** Seconds a refused client is told to wait: a generation on this server takes seconds, not minutes. */
    static final int RETRY_AFTER_SECONDS = 1;

    private final int maxRunning, queue;
    private final Semaphore slots;
    private final AtomicInteger waiting = new AtomicInteger();

    Admission(int maxRunning, int queue) {
        this.maxRunning = maxRunning;
        this.queue = queue;
        this.slots = new Semaphore(maxRunning, true); // fair: first come, first served
    }

    /** A running slot; close it when the generation is over. */
    interface Slot extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Takes a running slot, waiting in the queue until {@code deadlineNanos} (System.nanoTime) at most.
     *
     * @throws ApiException 429 when the queue is full, 504 when the deadline passes while waiting
     */
    Slot enter(long deadlineNanos) {
        try {
            // tryAcquire(0, ...) honours fairness (plain tryAcquire() would overtake the queue)
            if (slots.tryAcquire(0, TimeUnit.NANOSECONDS)) return slot();
            if (waiting.incrementAndGet() > queue) {
                waiting.decrementAndGet();
                throw ApiException.busy(
                        429,
                        "queue_full",
                        "the server is busy: " + maxRunning + " requests are running and " + queue
                                + " are waiting (the most it queues); retry later",
                        RETRY_AFTER_SECONDS);
            }
            try {
                if (slots.tryAcquire(deadlineNanos - System.nanoTime(), TimeUnit.NANOSECONDS)) return slot();
            } finally {
                waiting.decrementAndGet();
            }
            throw Timeouts.whileQueued();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.busy(503, "shutting_down", "the server is shutting down", RETRY_AFTER_SECONDS);
        }
    }

    private Slot slot() {
        return new Slot() {
            private boolean closed;

            @Override
            public void close() {
                if (closed) return;
                closed = true;
                slots.release();
            }
        };
    }

    int running() {
        return maxRunning - slots.availablePermits();
    }

    int waiting() {
        return waiting.get();
    }
}
