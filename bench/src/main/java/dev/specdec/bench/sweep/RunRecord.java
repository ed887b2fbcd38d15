package dev.specdec.bench.sweep;

import java.util.List;

/**
 * One generation of a sweep, as a JSONL line. Times in milliseconds; {@code tokenLatencyMs} is the
 * time between consecutive emitted tokens (the first entry is the time to the first token).
 * {@code trace}, present with --record, holds per generated position p_t(y_t), q_t(y_t) and the
 * draft's top probability: what {@code specdec replay} needs.
 */
public record RunRecord(
        String promptId,
        String category,
        long seed,
        String draft,
        int k,
        String policy,
        float temperature,
        int generated,
        long targetCalls,
        long draftTokens,
        long acceptedTokens,
        long[] proposedAt,
        long[] acceptedAt,
        long[] acceptedLengthHistogram,
        double draftMs,
        double targetMs,
        double verifyMs,
        double totalMs,
        double promptMs,
        double ttftMs,
        double tokensPerSecond,
        double[] tokenLatencyMs,
        List<double[]> trace) {

    public SweepConfig config() {
        return new SweepConfig(draft, k, policy, temperature);
    }

    /** Identifies the run for --resume. */
    public String key() {
        return promptId + "|" + seed + "|" + config().key();
    }

    /** Decode time: after the first token, which comes from the prompt's pass. */
    public double decodeMs() {
        return totalMs - ttftMs;
    }

    /** Tokens made by decode steps: all but the first. */
    public int decodeTokens() {
        return Math.max(0, generated - 1);
    }
}
