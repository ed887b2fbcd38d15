package dev.specdec.engine;

/** A new session's KV caches would take the engine past its memory budget. */
public final class KvBudgetExceededException extends IllegalStateException {
    public KvBudgetExceededException(String message) {
        super(message);
    }
}
