package dev.specdec.verifier;

/**
 * Deliberate bugs, for the tests that show the exactness tests can fail: each is a mistake that
 * compiles, runs and looks plausible. {@link #NONE} everywhere outside those tests; only this
 * package can switch one on ({@link SpeculativeDecoder#mutate}).
 */
enum Mutant {
    NONE,
    /** The target's p rows ignore the draft tokens before them in the penalty history (len instead of len + i). */
    PENALTY_HISTORY_WITHOUT_DRAFTS,
    /** After a fully accepted draft the bonus token comes from p[k - 1] instead of p[k]. */
    BONUS_FROM_WRONG_ROW,
    /** On rejection the correction is drawn from p instead of norm(max(0, p - q)). */
    RESIDUAL_WITHOUT_Q,
    /** Draft tokens are accepted with min(1, q/p) instead of min(1, p/q). */
    ACCEPT_Q_OVER_P,
    /** Gumbel noise keyed by the step (target calls so far + row) instead of the absolute position. */
    GUMBEL_KEYED_BY_STEP
}
