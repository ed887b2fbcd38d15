package dev.specdec.verifier;

import dev.specdec.sampling.SamplingParams;
import java.util.List;

/**
 * One generation: the prompt as token ids, how many tokens at most, how to sample, and when to stop.
 *
 * @param stopAtEndOfGeneration stop at EOS / end-of-turn tokens (the token itself is not emitted)
 */
public record GenerationRequest(
        int[] prompt, int maxTokens, SamplingParams params, List<String> stopStrings, boolean stopAtEndOfGeneration) {
    public GenerationRequest {
        if (prompt == null || prompt.length == 0)
            throw new IllegalArgumentException("the prompt is empty: give at least one token");
        if (maxTokens < 0) throw new IllegalArgumentException("max tokens must be >= 0, got " + maxTokens);
        prompt = prompt.clone();
        stopStrings = stopStrings == null ? List.of() : List.copyOf(stopStrings);
        for (String s : stopStrings)
            if (s.isEmpty()) throw new IllegalArgumentException("a stop string must not be empty");
    }

    public GenerationRequest(int[] prompt, int maxTokens, SamplingParams params) {
        this(prompt, maxTokens, params, List.of(), true);
    }
}
