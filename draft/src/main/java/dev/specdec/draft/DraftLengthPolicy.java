package dev.specdec.draft;

/**
 * Chooses how many tokens to draft next, learning from what the verifier accepted. One instance
 * per generation (policies keep state).
 */
public sealed interface DraftLengthPolicy
        permits FixedPolicy, HeuristicPolicy, ConfidencePolicy, AdaptivePolicy, BatchAwarePolicy {

    /** The most tokens to draft in the next step (>= 1; 0, plain decoding this step, only from {@link BatchAwarePolicy}). */
    int nextK();

    /**
     * As {@link #nextK()}, for a drafter that must first run {@code catchUp.getAsInt()} tokens it has
     * not seen (see {@link Drafter#catchUp}; asked only when needed, it compares the whole context)
     * in a generation with at most {@code remaining} tokens left. Only a policy that weighs drafting
     * against plain decoding ({@link BatchAwarePolicy}) prices them.
     */
    default int nextK(java.util.function.IntSupplier catchUp, int remaining) {
        return nextK();
    }

    /** Drafting stops early when the draft's top probability falls below this; 0 = never. */
    default float minConfidence() {
        return 0f;
    }

    /**
     * What happened in the last step.
     *
     * @param proposed     draft tokens verified
     * @param accepted     how many of them were accepted
     * @param draftNanos   time the drafter took
     * @param targetNanos  time of the target's verification pass over proposed + 1 rows
     */
    void update(int proposed, int accepted, long draftNanos, long targetNanos);

    String name();

    /**
     * Whether the k sequence depends only on the outcomes (accepted counts, draft confidences) and
     * fixed inputs, never on measured times: then a fixed seed reproduces the whole run. True for
     * fixed, heuristic, confidence and adaptive-deterministic; false for adaptive, which learns the
     * draft's cost from the clock.
     */
    default boolean reproducible() {
        return true;
    }

    static void checkK(int k) {
        if (k < 1 || k > DraftProposal.MAX_TOKENS) {
            throw new IllegalArgumentException("k must be in 1.." + DraftProposal.MAX_TOKENS + ", got " + k);
        }
    }

    /**
     * A policy by its CLI name: fixed, heuristic, confidence, adaptive, adaptive-deterministic. All
     * but {@code adaptive} are {@linkplain #reproducible() reproducible}.
     */
    static DraftLengthPolicy named(String name, int k, CostModel costs) {
        return switch (name) {
            case "fixed" -> new FixedPolicy(k);
            case "heuristic" -> new HeuristicPolicy(k, 1, Math.max(k, 16));
            case "confidence" -> new ConfidencePolicy(k, 0.4f);
            case "adaptive" -> new AdaptivePolicy(k, costs);
            case "adaptive-deterministic" -> new AdaptivePolicy(k, costs, true);
            default ->
                throw new IllegalArgumentException("unknown policy '" + name
                        + "' (fixed, heuristic, confidence, adaptive, adaptive-deterministic)");
        };
    }
}
