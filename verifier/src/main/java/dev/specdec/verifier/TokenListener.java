package dev.specdec.verifier;

/** Receives generated tokens as they are committed. */
@FunctionalInterface
public interface TokenListener {
    /**
     * @param token the committed token, or -1 for the final call that flushes held-back text
     * @param text  the text this token completes (may be empty while a character is incomplete)
     */
    void onToken(int token, String text);

    TokenListener NONE = (t, s) -> { };
}
