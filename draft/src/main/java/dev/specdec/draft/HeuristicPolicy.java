package dev.specdec.draft;

/**
 * The rule popular engines use: after a fully accepted draft grow k by 2, after a rejection shrink
 * it by 1, within [min, max].
 */
public final class HeuristicPolicy implements DraftLengthPolicy {
    private final int min, max;
    private int k;

    public HeuristicPolicy(int start, int min, int max) {
        DraftLengthPolicy.checkK(start);
        DraftLengthPolicy.checkK(min);
        DraftLengthPolicy.checkK(max);
        if (min > max || start < min || start > max)
            throw new IllegalArgumentException("need min <= start <= max, got " + min + " " + start + " " + max);
        this.k = start;
        this.min = min;
        this.max = max;
    }

    @Override
    public int nextK() {
        return k;
    }

    @Override
    public void update(int proposed, int accepted, long draftNanos, long targetNanos) {
        if (proposed == 0) return;
        k = accepted == proposed ? Math.min(max, k + 2) : Math.max(min, k - 1);
    }

    @Override
    public String name() {
        return "heuristic";
    }
}
