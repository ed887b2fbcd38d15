package dev.specdec.verifier;

/** The generated tokens (not including the prompt), their text, why generation stopped, and statistics. */
public record GenerationResult(int[] tokens, String text, StopReason stopReason, DecodeStats stats) {}
