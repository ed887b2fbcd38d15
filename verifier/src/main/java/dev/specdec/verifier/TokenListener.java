package dev.specdec.verifier;

/** Receives generated tokens as they are committed. */
@FunctionalInterface
public interface TokenListener {
    /** @param text the text this token completes (may be empty while a character is incomplete) */
    void onToken(int token, String text);

    TokenListener NONE = (t, s) -> { };
}
