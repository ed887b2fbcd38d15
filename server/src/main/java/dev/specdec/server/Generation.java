package dev.specdec.server;

import dev.specdec.engine.Session;

/**
 * One running generation and who may stop it: the request timeout, a client that went away, or a
 * shutdown. The first reason wins; a cancel after the generation ended does nothing.
 */
final class Generation {
    /** Why a generation was cancelled. */
    enum Cancel {
        TIMEOUT,
        DISCONNECTED,
        SHUTDOWN
    }

    private final Session session;
    private Cancel reason;
    private boolean done;

    Generation(Session session) {
        this.session = session;
    }

    /** Stops the generation within one step (from any thread). */
    synchronized void cancel(Cancel why) {
        if (done || reason != null) return;
        reason = why;
        session.cancel();
    }

    /** The generation returned: later cancels are ignored. */
    synchronized void finished() {
        done = true;
    }

    /** Why it was cancelled, or null. */
    synchronized Cancel cancelled() {
        return reason;
    }
}
