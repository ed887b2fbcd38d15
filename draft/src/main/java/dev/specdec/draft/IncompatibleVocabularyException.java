package dev.specdec.draft;

/** The draft model's vocabulary does not match the target's. */
public final class IncompatibleVocabularyException extends IllegalArgumentException {
    public IncompatibleVocabularyException(String message) {
        super(message);
    }
}
