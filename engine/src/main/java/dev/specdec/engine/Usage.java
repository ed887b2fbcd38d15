package dev.specdec.engine;

/**
 * Tokens a generation used.
 *
 * @param promptTokens       tokens of the prompt
 * @param cachedPromptTokens of those, how many the session's KV cache already held (earlier turns): not recomputed
 * @param completionTokens   tokens generated
 */
public record Usage(int promptTokens, int cachedPromptTokens, int completionTokens) {
    public int totalTokens() {
        return promptTokens + completionTokens;
    }
}
