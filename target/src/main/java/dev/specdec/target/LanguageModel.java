package dev.specdec.target;

/**
 * A causal language model with its own KV cache: one instance per generation (the weights behind
 * it are shared). {@link #forward} appends {@code count} tokens at {@code position} (which must be
 * {@link #cachedLength()}) in ONE batched pass and returns the logits of every row asked for.
 */
public interface LanguageModel extends AutoCloseable {

    /**
     * Rows one forward pass computes together (the weights stream once for all of them): the last
     * committed token plus up to 64 draft tokens, so that a speculative verification is always ONE
     * pass. A drafter proposes at most {@code MAX_ROWS_PER_PASS - 1} tokens ({@code
     * DraftProposal.MAX_TOKENS}, defined from this). Longer inputs
     * (prompts) run in chunks of this many rows; results do not depend on the chunking (batch invariance).
     */
    int MAX_ROWS_PER_PASS = 65;

    ModelConfig config();

    int vocabularySize();

    Tokenizer tokenizer();

    /** Tokens the KV cache can hold. */
    int contextLength();

    /**
     * Runs {@code tokens[0..count)} at positions {@code position..position+count)}.
     *
     * @param logitsOut row t receives the logits after token t; a null array or null row skips it
     */
    void forward(int[] tokens, int count, int position, float[][] logitsOut);

    /** Tokens in the KV cache. */
    int cachedLength();

    /** Rolls the KV cache back to its first {@code length} tokens. */
    void truncate(int length);

    /**
     * How many of {@code tokens[0..length)} the KV cache already holds, from the start: what a new
     * request may keep instead of recomputing (the cache tracks its own tokens, so no caller can
     * be misled by another one having used the session in between).
     */
    int commonPrefix(int[] tokens, int length);

    @Override
    void close();
}
