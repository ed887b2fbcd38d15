package dev.specdec.engine;

/**
 * Receives a generation as it happens. Called on the thread that runs {@link Session#generate}.
 * The text of every {@link #onToken} call, then the {@link #onText} call if any, put together are
 * {@link Result#text()}.
 */
@FunctionalInterface
public interface TokenStream {
    /**
     * A token was committed.
     *
     * @param text the text that became final with it: may be empty (a character not finished yet,
     *             or text that could still become a stop string), or longer than the token (what was
     *             held back before it)
     */
    void onToken(int id, String text);

    /**
     * The end of the text when the generation ended with text still held back and no token to
     * carry it (it stopped at an end-of-generation token, a full context, or a cancel): override this
     * when you print the text.
     */
    default void onText(String text) {}

    /** The generation finished (also after a cancel); the same result {@link Session#generate} returns. */
    default void onComplete(Result result) {}

    /** The generation failed; {@link Session#generate} throws the same exception after this call. */
    default void onError(Throwable error) {}

    /** A stream that ignores everything. */
    TokenStream NONE = (id, text) -> {};
}
