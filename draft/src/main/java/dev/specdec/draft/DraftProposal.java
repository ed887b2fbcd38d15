package dev.specdec.draft;

/**
 * What a drafter proposed: {@code count} tokens and, for sampled drafts, the distribution q each
 * was drawn from. A token chosen deterministically (n-gram lookup, the draft's top token) has no q
 * row: its q is one-hot. Owned and reused by its drafter, so proposing allocates nothing; read it
 * before the next call.
 */
public final class DraftProposal {
    /** The largest k any drafter accepts. */
    public static final int MAX_TOKENS =
            dev.specdec.target.LanguageModel.MAX_ROWS_PER_PASS - 1; // the last token and every draft token in one pass

    private final int[] tokens = new int[MAX_TOKENS];
    private final int vocab;
    private final float[][] q;
    private final boolean[] sampled = new boolean[MAX_TOKENS];
    private final float[] confidence = new float[MAX_TOKENS];
    private int count;

    DraftProposal(int vocab, boolean withDistributions) {
        this.vocab = vocab;
        q = new float[MAX_TOKENS][];
        if (withDistributions) for (int i = 0; i < MAX_TOKENS; i++) q[i] = new float[vocab];
    }

    public int count() {
        return count;
    }

    public int token(int i) {
        return tokens[i];
    }

    /** q of draft token i, or null when it was chosen deterministically (q one-hot at the token). */
    public float[] q(int i) {
        return sampled[i] ? q[i] : null;
    }

    /** The draft's top probability at position i (1 for deterministic drafters). */
    public float confidence(int i) {
        return confidence[i];
    }

    void clear() {
        count = 0;
    }

    /** Appends a token; {@code dist} is the buffer row it was drawn from, or null for one-hot. */
    void add(int token, boolean fromDistribution, float conf) {
        tokens[count] = token;
        sampled[count] = fromDistribution;
        confidence[count] = conf;
        count++;
    }

    /** Allocates the q rows of a proposal made without them (the teeth tests' top-mode mutant only). */
    void ensureRows() {
        if (q[0] == null) for (int i = 0; i < MAX_TOKENS; i++) q[i] = new float[vocab];
    }

    /** The buffer row to fill with q for the next token (drafters with distributions only). */
    float[] nextRow() {
        return q[count];
    }
}
