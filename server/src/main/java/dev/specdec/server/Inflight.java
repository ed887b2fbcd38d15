package dev.specdec.server;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The completion requests the server is handling (queued or generating) and whether it still takes
 * new ones: what a graceful shutdown waits for, and cancels when its grace runs out.
 */
final class Inflight {
    private final Set<Generation> generations = ConcurrentHashMap.newKeySet();
    private final AtomicInteger requests = new AtomicInteger();
    private volatile boolean draining;

    /** 503 once the server is shutting down. */
    void checkOpen() {
        if (draining)
            throw ApiException.busy(503, "shutting_down", "the server is shutting down", Admission.RETRY_AFTER_SECONDS);
    }

    void requestStarted() {
        requests.incrementAndGet();
    }

    void requestEnded() {
        requests.decrementAndGet();
    }

    int requests() {
        return requests.get();
    }

    /** A generation about to run; one that starts during a shutdown is cancelled at once. */
    void started(Generation g) {
        generations.add(g);
        if (draining) g.cancel(Generation.Cancel.SHUTDOWN);
    }

    void ended(Generation g) {
        generations.remove(g);
    }

    void drain() {
        draining = true;
    }

    boolean draining() {
        return draining;
    }

    /** Cancels every running generation (each stops within one step). */
    void cancelAll() {
        draining = true;
        for (Generation g : generations) g.cancel(Generation.Cancel.SHUTDOWN);
    }
}
