package dev.specdec.engine;

import dev.specdec.target.Transformer;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Turns the forward passes that concurrent sessions ask for into multi-sequence passes over the
 * engine's one compute pool (flat combining): a session queues its request; whichever session
 * holds the pass lock takes every queued request and runs them as ONE pass per model (weights
 * streamed once for all sessions; {@link Transformer#forwardMany}), then wakes their sessions.
 * Sessions that arrive while a pass runs wait for the next, so batches grow with load and a lone
 * session pays only an uncontended lock. Before a pass, the session that runs it waits a moment
 * for the generating sessions that have not queued yet (they are sampling their last token), at
 * most a tenth of the last pass's time: without it, 4 sessions met in passes of 2.5 on average.
 * Each row attends to its own session's KV cache and is computed independently of the others, so
 * every session gets bitwise the output it would get alone.
 */
final class PassCombiner {
    /** One session model's request, owned by it and reused for every pass (no allocation per token). */
    static final class Pending {
        final Transformer model;
        int[] tokens;
        int count, position;
        float[][] logits;
        volatile boolean done;
        RuntimeException error;
        Thread waiter;

        Pending(Transformer model) {
            this.model = model;
        }
    }

    private final ReentrantLock passLock = new ReentrantLock();
    private final java.util.function.IntSupplier generating;
    private volatile Thread gatherer; // the pass runner waiting for more sessions, if any
    private long lastPassNanos;
    private final Object queueLock = new Object();
    private Pending[] queue = new Pending[8];
    private int queued;
    // the pass being run (only by the lock holder)
    private Pending[] batch = new Pending[8];
    private Transformer[] models = new Transformer[8];
    private int[][] tokens = new int[8][];
    private int[] counts = new int[8], positions = new int[8];
    private float[][][] logits = new float[8][][];
    private long passes, rows, sequences;
    // measured pass times of the target's and the draft's passes (what a batch-aware policy weighs)
    private volatile dev.specdec.target.ModelWeights target, draft;
    private volatile PassTimes targetTimes, draftTimes;

    /**
     * Measures the passes of these weights (the draft may be null).
     *
     * @param prior the prior cost of a pass by rows, for what the passes cannot show yet (the
     *              target's curve: the draft's passes borrow its shape while they all had one size)
     */
    void track(
            dev.specdec.target.ModelWeights targetWeights,
            dev.specdec.target.ModelWeights draftWeights,
            java.util.function.IntToDoubleFunction prior) {
        targetTimes = new PassTimes(prior);
        draftTimes = new PassTimes(prior);
        target = targetWeights;
        draft = draftWeights;
    }

    PassTimes targetTimes() {
        return targetTimes;
    }

    PassTimes draftTimes() {
        return draftTimes;
    }

    /** @param generating how many sessions generate now: the most that can meet in one pass */
    PassCombiner(java.util.function.IntSupplier generating) {
        this.generating = generating;
    }

    /** Runs {@code p}'s forward, in a pass with whatever else is queued; returns when it is done. */
    void forward(Pending p) {
        p.done = false;
        p.error = null;
        p.waiter = Thread.currentThread();
        boolean all;
        synchronized (queueLock) {
            if (queued == queue.length) queue = java.util.Arrays.copyOf(queue, 2 * queued);
            queue[queued++] = p;
            all = queued >= generating.getAsInt();
        }
        Thread g = gatherer;
        if (all && g != null) LockSupport.unpark(g);
        while (!p.done) {
            if (passLock.tryLock()) {
                try {
                    if (!p.done) {
                        gather();
                        combine();
                    }
                } finally {
                    passLock.unlock();
                }
                wakeNextCombiner();
            } else {
                // woken when a pass finishes its request, or when it is next to run the passes; a
                // waiter that polled instead took the CPU the pass needs (16 sessions: 1.7x slower).
                // The timeout is only a safety net.
                LockSupport.parkNanos(this, 10_000_000);
            }
        }
        if (p.error != null) throw p.error;
    }

    /**
     * Waits until every generating session has queued, or a tenth of the last pass's time (at most
     * 2 ms) has passed: a session still sampling its last token would otherwise miss this pass and
     * make the next one, reading the weights once more for fewer rows.
     */
    private void gather() {
        long wait = Math.min(2_000_000, lastPassNanos / 10);
        if (wait <= 0) return;
        long deadline = System.nanoTime() + wait;
        gatherer = Thread.currentThread();
        try {
            while (true) {
                synchronized (queueLock) {
                    if (queued >= generating.getAsInt()) return;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) return;
                LockSupport.parkNanos(this, left);
            }
        } finally {
            gatherer = null;
        }
    }

    /** A session queued during the pass takes over at once instead of at its next poll. */
    private void wakeNextCombiner() {
        Thread next = null;
        synchronized (queueLock) {
            if (queued > 0) next = queue[0].waiter;
        }
        if (next != null) LockSupport.unpark(next);
    }

    private void combine() {
        long start = System.nanoTime();
        int n;
        synchronized (queueLock) {
            n = queued;
            if (batch.length < n) batch = new Pending[queue.length];
            System.arraycopy(queue, 0, batch, 0, n);
            java.util.Arrays.fill(queue, 0, n, null);
            queued = 0;
        }
        // one multi-sequence pass per set of weights (a target's sessions, a draft's sessions)
        int left = n;
        while (left > 0) {
            dev.specdec.target.ModelWeights w = null;
            int m = 0;
            for (int i = 0; i < n; i++) {
                Pending p = batch[i];
                if (p == null || (w != null && p.model.weights() != w)) continue;
                w = p.model.weights();
                batch[i] = null;
                left--;
                try {
                    p.model.check(p.tokens, p.count, p.position); // a bad request fails alone, not the pass
                } catch (RuntimeException e) {
                    finish(p, e);
                    continue;
                }
                grow(m + 1);
                models[m] = p.model;
                tokens[m] = p.tokens;
                counts[m] = p.count;
                positions[m] = p.position;
                logits[m] = p.logits;
                pending[m++] = p;
            }
            RuntimeException failure = null;
            try {
                long t0 = System.nanoTime();
                Transformer.forwardMany(models, tokens, counts, positions, logits, m);
                long elapsed = System.nanoTime() - t0;
                int passRows = 0;
                for (int i = 0; i < m; i++) passRows += counts[i];
                if (w == target) targetTimes.record(passRows, elapsed);
                else if (w == draft) draftTimes.record(passRows, elapsed);
                passes++;
                sequences += m;
                rows += passRows;
            } catch (RuntimeException e) {
                failure = e;
            }
            for (int i = 0; i < m; i++) {
                finish(pending[i], failure);
                models[i] = null;
                tokens[i] = null;
                logits[i] = null;
                pending[i] = null;
            }
        }
        lastPassNanos = System.nanoTime() - start;
    }

    private Pending[] pending = new Pending[8];

    private void grow(int m) {
        if (m <= models.length) return;
        int c = 2 * models.length;
        models = java.util.Arrays.copyOf(models, c);
        tokens = java.util.Arrays.copyOf(tokens, c);
        counts = java.util.Arrays.copyOf(counts, c);
        positions = java.util.Arrays.copyOf(positions, c);
        logits = java.util.Arrays.copyOf(logits, c);
        pending = java.util.Arrays.copyOf(pending, c);
    }

    private static void finish(Pending p, RuntimeException error) {
        p.error = error;
        p.done = true;
        LockSupport.unpark(p.waiter);
    }

    /** Passes run, and the sequences and rows they held (sequences / passes = the mean batch). */
    long[] counters() {
        passLock.lock();
        try {
            return new long[] {passes, sequences, rows};
        } finally {
            passLock.unlock();
        }
    }
}
