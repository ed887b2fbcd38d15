package dev.specdec.verifier;

/** Receives generated tokens as they are committed. */
@FunctionalInterface
public interface TokenListener {
    /**
     * @param token the committed token
     * @param text  the text that became final with it: may be empty (a character still incomplete,
     *              or text that could still turn into a stop string), or hold more than the token's
     *              own text (what was held back before it)
     */
    void onToken(int token, String text);

    /**
     * Text that became final after the last token, when the generation ended without one to carry
     * it (end of generation, full context, cancellation): the end of a held-back stop-string
     * candidate or an unfinished character. Streamed text is complete only with it.
     */
    default void onText(String text) {}

    TokenListener NONE = (t, s) -> {};
}
