package dev.specdec.server;

import dev.specdec.engine.Engine;
import dev.specdec.engine.Session;
import java.util.ArrayList;
import java.util.LinkedList;
import java.util.List;

/**
 * Sessions kept between requests, at most {@code capacity}: a request gets the idle session whose
 * KV cache already holds the longest start of its prompt (the earlier turns of its chat), so only
 * what is new is computed. A fresh session is opened while there is room; when there is none and
 * no cache matches, the least recently used one is taken over.
 */
final class SessionPool implements AutoCloseable {
    private final Engine engine;
    private final int capacity;
    private final LinkedList<Session> idle = new LinkedList<>(); // least recently used first
    private int open;
    private boolean closed;

    SessionPool(Engine engine, int capacity) {
        this.engine = engine;
        this.capacity = capacity;
    }

    /**
     * A session for this prompt. The caller holds an admission slot, so fewer than {@code capacity}
     * sessions are in use and one is always idle or can be opened.
     *
     * @throws dev.specdec.engine.KvBudgetExceededException when a new session does not fit in the engine's memory budget
     */
    Session take(int[] prompt) {
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
            if (best == null && open >= capacity && !idle.isEmpty()) best = idle.getFirst();
            if (best != null) {
                idle.remove(best);
                return best;
            }
            if (open >= capacity)
                throw new IllegalStateException("no session free: more generations than --max-sessions are running");
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

    /** A session whose generation ended normally: kept for the next request. */
    void giveBack(Session s) {
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
    void discard(Session s) {
        synchronized (this) {
            open--;
        }
        s.close();
    }

    /** Sessions open now (in use or idle). */
    synchronized int open() {
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
