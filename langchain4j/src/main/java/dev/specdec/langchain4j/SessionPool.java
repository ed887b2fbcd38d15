package dev.specdec.langchain4j;

import dev.specdec.engine.Engine;
import dev.specdec.engine.Session;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * Idle sessions kept for the next call: LangChain4j sends the whole conversation each time, and a
 * session whose cache holds the earlier turns computes only the new ones. A call takes the most
 * recently used idle session (or opens one) and gives it back after.
 */
final class SessionPool implements AutoCloseable {
    private final Engine engine;
    private final ConcurrentLinkedDeque<Session> idle = new ConcurrentLinkedDeque<>();
    private volatile boolean closed;

    SessionPool(Engine engine) {
        this.engine = engine;
    }

    Session take() {
        if (closed) throw new IllegalStateException("the model is closed");
        Session s = idle.pollFirst();
        return s != null ? s : engine.newSession();
    }

    void give(Session s) {
        if (closed) s.close();
        else idle.addFirst(s);
    }

    @Override
    public void close() {
        closed = true;
        for (Session s; (s = idle.pollFirst()) != null; ) s.close();
    }
}
