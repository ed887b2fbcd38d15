package dev.specdec.engine;

import dev.specdec.draft.CostModel;
import dev.specdec.draft.DraftLengthPolicy;
import dev.specdec.draft.DraftProposal;
import dev.specdec.verifier.VerifyMode;

/**
 * How a generation speculates: which drafter, how many tokens per step at most, and the policy that
 * picks k each step. The engine's builder sets the default; a {@link Request} may override it.
 * Speculation never changes what is generated under greedy decoding, and never the distribution
 * under sampling: only the speed.
 *
 * @param draft    which drafter proposes
 * @param k        draft tokens per step (1..64; the maximum for the adaptive policies)
 * @param policy   fixed, heuristic, confidence or adaptive
 * @param topToken a draft model proposes its top token instead of sampling from its q
 * @param verify   how sampled drafts are verified (and, for GUMBEL, how plain decoding samples too)
 */
public record Speculation(Draft draft, int k, String policy, boolean topToken, VerifyMode verify) {

    /** The source of draft tokens. */
    public enum Draft {
        /** The engine's draft: its draft model when it has one, else prompt lookup when it was built with it, else none. */
        DEFAULT,
        /** Prompt lookup (n-gram matches in the context): free, strong when the output copies the prompt. */
        NGRAM,
        /** Plain decoding. */
        OFF
    }

    /** k = 4, fixed: measured best or near it for the pairs in the README on 2-16 cores. */
    public static final int DEFAULT_K = 4;

    public static final Speculation DEFAULT =
            new Speculation(Draft.DEFAULT, DEFAULT_K, "fixed", false, VerifyMode.REJECTION);
    public static final Speculation OFF = new Speculation(Draft.OFF, DEFAULT_K, "fixed", false, VerifyMode.REJECTION);

    public Speculation {
        if (draft == null)
            throw new IllegalArgumentException("speculation needs a draft choice (DEFAULT, NGRAM or OFF)");
        if (verify == null)
            throw new IllegalArgumentException("speculation needs a verification mode (REJECTION, GUMBEL or BLOCK)");
        DraftLengthPolicy.checkK(k);
        DraftLengthPolicy.named(policy, k, CostModel.assumed()); // an unknown name fails here, naming the known ones
    }

    /** Rejection-sampling verification. */
    public Speculation(Draft draft, int k, String policy, boolean topToken) {
        this(draft, k, policy, topToken, VerifyMode.REJECTION);
    }

    public Speculation withDraft(Draft d) {
        return new Speculation(d, k, policy, topToken, verify);
    }

    public Speculation withK(int newK) {
        return new Speculation(draft, newK, policy, topToken, verify);
    }

    public Speculation withPolicy(String p) {
        return new Speculation(draft, k, p, topToken, verify);
    }

    public Speculation withTopToken(boolean top) {
        return new Speculation(draft, k, policy, top, verify);
    }
    /** GUMBEL: for a seed, the same text with and without speculation (plain decoding samples by the same rule). */
    public Speculation withVerify(VerifyMode mode) {
        return new Speculation(draft, k, policy, topToken, mode);
    }

    static int maxK() {
        return DraftProposal.MAX_TOKENS;
    }
}
