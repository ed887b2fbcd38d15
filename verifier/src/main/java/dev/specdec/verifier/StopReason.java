package dev.specdec.verifier;

/** Why a generation ended. */
public enum StopReason { MAX_TOKENS, END_OF_GENERATION, STOP_STRING, CONTEXT_FULL }
