package dev.specdec.draft;

/** Drafts up to k tokens but stops as soon as the draft's top probability falls below a threshold. */
public final class ConfidencePolicy implements DraftLengthPolicy {
    private final int k;
    private final float threshold;

    public ConfidencePolicy(int k, float threshold) {
        DraftLengthPolicy.checkK(k);
        if (!(threshold > 0 && threshold < 1))
            throw new IllegalArgumentException("confidence threshold must be in (0, 1), got " + threshold);
        this.k = k;
        this.threshold = threshold;
    }

    @Override
    public int nextK() {
        return k;
    }

    @Override
    public float minConfidence() {
        return threshold;
    }

    @Override
    public void update(int proposed, int accepted, long draftNanos, long targetNanos) {}

    @Override
    public String name() {
        return "confidence";
    }
}
