package dev.specdec.verifier;

/**
 * One target call of a generation, seen by a {@link StepObserver}: k draft tokens at positions
 * {@code position() .. position() + k - 1}, how many the verifier accepted, the token after them
 * (correction or bonus), the target's distribution p at each of the k + 1 rows and the draft's q
 * for each draft token, and the time each part took. A view of the decoder's buffers, reused for
 * the next step: valid only inside {@link StepObserver#onStep}.
 */
public final class Step {
    private int position, k, accepted, next;
    private int[] draft;
    private float[][] p, q;
    private long draftNanos, targetNanos, verifyNanos;

    void set(
            int position,
            int k,
            int accepted,
            int next,
            int[] draft,
            float[][] p,
            float[][] q,
            long draftNanos,
            long targetNanos,
            long verifyNanos) {
        this.position = position;
        this.k = k;
        this.accepted = accepted;
        this.next = next;
        this.draft = draft;
        this.p = p;
        this.q = q;
        this.draftNanos = draftNanos;
        this.targetNanos = targetNanos;
        this.verifyNanos = verifyNanos;
    }

    /** Absolute position (in the whole sequence, prompt included) of the first draft token, and of row 0. */
    public int position() {
        return position;
    }

    /** Draft tokens verified in this step (0: a plain decoding step). */
    public int k() {
        return k;
    }

    /** How many of them were accepted. */
    public int accepted() {
        return accepted;
    }

    /** The token emitted after the accepted ones: the target's correction or its bonus token. */
    public int next() {
        return next;
    }

    /** Draft token i, for i < k. */
    public int draftToken(int i) {
        check(i, k);
        return draft[i];
    }

    /** The target's distribution at row i (i <= k): the row that decides draft token i, or the bonus at k. */
    public float[] targetDistribution(int i) {
        check(i, k + 1);
        return p[i];
    }

    /** The distribution draft token i was drawn from, or null when it was chosen deterministically (q one-hot). */
    public float[] draftDistribution(int i) {
        check(i, k);
        return q[i];
    }

    /** p_i(x_i): the target's probability of draft token i. */
    public double targetProbability(int i) {
        int x = draftToken(i);
        return x < p[i].length ? p[i][x] : 0;
    }

    /** q_i(x_i): the draft's probability of draft token i (1 for a deterministic choice). */
    public double draftProbability(int i) {
        int x = draftToken(i);
        float[] qi = q[i];
        return qi == null ? 1 : x < qi.length ? qi[x] : 0;
    }

    public long draftNanos() {
        return draftNanos;
    }

    public long targetNanos() {
        return targetNanos;
    }

    public long verifyNanos() {
        return verifyNanos;
    }

    private static void check(int i, int n) {
        if (i < 0 || i >= n) throw new IndexOutOfBoundsException("index " + i + " outside 0.." + (n - 1));
    }

    @Override
    public String toString() {
        return "step at " + position + ": k=" + k + ", accepted " + accepted + ", then " + next;
    }
}
