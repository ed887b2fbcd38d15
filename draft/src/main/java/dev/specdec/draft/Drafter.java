package dev.specdec.draft;

import dev.specdec.sampling.SamplingParams;
import dev.specdec.sampling.TokenSampler;

/**
 * Proposes the tokens that might follow a context. A drafter never decides what is accepted and
 * may be arbitrarily wrong: only speed depends on it, never the output.
 */
public sealed interface Drafter extends AutoCloseable permits ModelDrafter, PromptLookupDrafter {

    /**
     * Proposes up to {@code maxTokens} tokens to follow {@code context[0..length)}.
     *
     * @param sampler       how a sampled draft token is drawn from q at its absolute position: from the
     *                      request's generator, or by the Gumbel-max the target reproduces (gumbel verification)
     * @param minConfidence stop early when the draft's top probability falls below this (0 = never)
     */
    DraftProposal propose(
            int[] context, int length, int maxTokens, SamplingParams params, TokenSampler sampler, float minConfidence);

    /**
     * How many tokens of {@code context[0..length)} beyond the last one the drafter would have to
     * run through its model before drafting (a draft model that skipped steps, or has not seen the
     * prompt yet): what resuming costs. 0 for a drafter without a model.
     */
    default int catchUp(int[] context, int length) {
        return 0;
    }

    /** Short name for reports ("ngram", a model file name, ...). */
    String name();

    @Override
    default void close() {}
}
