package dev.specdec.draft;

import dev.specdec.sampling.SamplingParams;
import java.util.random.RandomGenerator;

/**
 * Proposes the tokens that might follow a context. A drafter never decides what is accepted and
 * may be arbitrarily wrong: only speed depends on it, never the output.
 */
public sealed interface Drafter extends AutoCloseable permits ModelDrafter, PromptLookupDrafter {

    /**
     * Proposes up to {@code maxTokens} tokens to follow {@code context[0..length)}.
     *
     * @param rng           the request's generator (sampled drafts draw from it)
     * @param minConfidence stop early when the draft's top probability falls below this (0 = never)
     */
    DraftProposal propose(int[] context, int length, int maxTokens, SamplingParams params, RandomGenerator rng, float minConfidence);

    /** Short name for reports ("ngram", a model file name, ...). */
    String name();

    @Override default void close() { }
}
