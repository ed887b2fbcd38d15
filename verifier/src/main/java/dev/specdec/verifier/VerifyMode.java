package dev.specdec.verifier;

import java.util.Locale;

/**
 * How sampled drafts are verified (temperature 0 is always greedy: accept while each draft token is
 * the target's argmax). Every mode is exact: the output follows the target's distribution.
 */
public enum VerifyMode {
    /** Token by token: accept x with min(1, p(x)/q(x)), else draw from norm(max(0, p - q)) (Leviathan et al. 2023). */
    REJECTION,
    /**
     * Drafter-invariant: every token is the Gumbel-max of its distribution with noise keyed by (seed,
     * absolute position, token), the draft proposes the same Gumbel-max of its q, and the target
     * accepts while its own choice equals the draft's (Daliri et al. 2024). For a seed the text is the
     * same with or without a drafter, for every drafter, k and policy; accepts a little less.
     */
    GUMBEL,
    /**
     * The draft block verified jointly (Sun et al. 2024): never fewer expected accepted tokens than
     * {@link #REJECTION}, more when the draft is sampled (equal for one-hot drafts).
     */
    BLOCK;

    /** The mode by its CLI name (rejection, gumbel, block), any case. */
    public static VerifyMode named(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown verification mode '" + name + "' (rejection, gumbel, block)");
        }
    }

    /** The CLI name. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
