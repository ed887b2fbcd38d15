package dev.specdec.verifier;

/** Why a generation ended. */
public enum StopReason {
    /** It produced the most tokens asked for. */
    MAX_TOKENS,
    /** The model produced an end-of-generation token (not emitted). */
    END_OF_GENERATION,
    /** A stop string appeared (the text ends before it). */
    STOP_STRING,
    /** The context (KV cache) is full. */
    CONTEXT_FULL,
    /** The caller cancelled it. */
    CANCELLED
}
