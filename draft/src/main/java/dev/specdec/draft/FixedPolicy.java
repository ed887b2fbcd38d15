package dev.specdec.draft;

/** Always k. */
public final class FixedPolicy implements DraftLengthPolicy {
    private final int k;

    public FixedPolicy(int k) {
        DraftLengthPolicy.checkK(k);
        this.k = k;
    }

    @Override
    public int nextK() {
        return k;
    }

    @Override
    public void update(int proposed, int accepted, long draftNanos, long targetNanos) {}

    @Override
    public String name() {
        return "fixed";
    }
}
