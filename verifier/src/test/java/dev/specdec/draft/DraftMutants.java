package dev.specdec.draft;

/** The drafter's deliberate bug for the verifier's teeth tests (same package, so it reaches the hook). */
public final class DraftMutants {
    private DraftMutants() {}

    /** Top-token drafts report the draft's sampled q as if the token had been drawn from it. */
    public static ModelDrafter topModeQAsSampled(ModelDrafter d) {
        d.topModeQAsSampled = true;
        return d;
    }
}
