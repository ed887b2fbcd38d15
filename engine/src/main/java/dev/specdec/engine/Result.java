package dev.specdec.engine;

import dev.specdec.verifier.DecodeStats;
import dev.specdec.verifier.StopReason;

/**
 * What a generation produced.
 *
 * @param text         the generated text (up to, not including, a stop string)
 * @param tokens       the generated token ids (an end-of-generation token is not included)
 * @param finishReason why it ended
 * @param usage        tokens used
 * @param stats        speculation statistics: acceptance, tokens per target call, where the time went
 * @param seed         the sampling seed it used (give it back to reproduce the run)
 */
public record Result(String text, int[] tokens, StopReason finishReason, Usage usage, DecodeStats stats, long seed) {
    public Result {
        tokens = tokens.clone();
    }

    @Override
    public int[] tokens() {
        return tokens.clone();
    }
}
