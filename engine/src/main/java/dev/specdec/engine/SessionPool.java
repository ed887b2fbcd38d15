package dev.specdec.engine;

import java.util.ArrayList;
import java.util.LinkedList;
import java.util.List;

/**
 * Sessions kept between requests, at most {@code capacity}: a request gets the idle session whose
 * KV cache already holds the longest start of its prompt (the earlier turns of its chat), so only
 * what is new is computed. A fresh session is opened while there is room (the capacity and the
 * engine's memory budget); when there is none and no cache matches, the least recently used one is
 * taken over. For servers and adapters that see
 * each request with its whole conversation (OpenAI's API, LangChain4j). Thread-safe.
 */
public final class SessionPool implements AutoCloseable {
    private final Engine engine;
    private final int capacity;
    private final LinkedList<Session> idle = new LinkedList<>(); // least recently used first
    private int open;
    private boolean closed;

    /** @param capacity sessions open at most, in use or idle ({@code Integer.MAX_VALUE}: the engine's memory budget is the limit) */
    public SessionPool(Engine engine, int capacity) {
        this.engine = engine;
        this.capacity = capacity;
    }

    /**
     * A session for this prompt (token ids). The caller keeps fewer than {@code capacity} sessions in
     * use (a server's admission slots), so one is always idle or can be opened.
     *
     * @throws KvBudgetExceededException when a new session does not fit in the engine's memory budget
     */
    public Session take(int[] prompt) {
        synchronized (this) {
            if (closed) throw new IllegalStateException("the session pool is closed");
            Session best = null;
            int bestPrefix = 0;
            for (Session s : idle) {
                // the cache tracks its own tokens: asking it is the one source of truth
                int p = s.targetModel().commonPrefix(prompt, prompt.length - 1);
                if (p > bestPrefix) {
                    best = s;
                    bestPrefix = p;
                }
            }
            if (best == null && !idle.isEmpty() && !roomForAnother()) best = idle.getFirst();
            if (best != null) {
                idle.remove(best);
                return best;
            }
            if (open >= capacity)
                throw new IllegalStateException("no session free: more than " + capacity + " generations are running");
            open++; // reserved here, opened outside the lock (allocating KV caches takes a while)
        }
        try {
            return engine.newSession();
        } catch (RuntimeException | Error e) {
            synchronized (this) {
                open--;
            }
            throw e;
        }
    }

    /** Whether a fresh session fits: under the capacity and in the engine's memory budget. */
    private boolean roomForAnother() {
        return open < capacity && (engine.openSessions() + 1L) * engine.sessionBytes() <= engine.memoryBudget();
    }

    /** A session whose generation ended normally: kept for the next request. */
    public void giveBack(Session s) {
        synchronized (this) {
            if (!closed) {
                idle.addLast(s);
                return;
            }
            open--;
        }
        s.close();
    }

    /** A session that must not be reused: its generation failed. */
    public void discard(Session s) {
        synchronized (this) {
            open--;
        }
        s.close();
    }

    /** Sessions open now (in use or idle). */
    public synchronized int open() {
        return open;
    }

    /** Closes the idle sessions; sessions in use are closed when they come back. */
    @Override
    public void close() {
        List<Session> toClose;
        synchronized (this) {
            closed = true;
            toClose = new ArrayList<>(idle);
            open -= idle.size();
            idle.clear();
        }
        for (Session s : toClose) s.close();
    }
}
