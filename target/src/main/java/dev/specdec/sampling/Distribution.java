package dev.specdec.sampling;

import dev.specdec.kernels.Ops;
import java.util.Arrays;

/**
 * Turns one row of logits into the probability distribution {@link SamplingParams} define. One
 * instance per request and model (it owns vocabulary-sized scratch buffers, so it allocates nothing
 * per token); not thread-safe.
 *
 * <p>Every row of logits that decoding uses passes through {@link #compute} (the target's p, a
 * draft's q, plain and speculative decoding alike), so that is where a non-finite row is caught.
 */
public final class Distribution {
    private final int vocab;
    private final String source; // which model's logits, for the error
    private final float[] work;
    private final long[] order; // (probability bits << 32 | index) for top-p sorting
    private final int[] counts; // token counts in the penalty window
    private final int[] touched;

    public Distribution(int vocab) {
        this(vocab, "the model");
    }

    /** @param source which model's logits these are, as errors name it ("the target", "draft x.gguf") */
    public Distribution(int vocab, String source) {
        this.vocab = vocab;
        this.source = source;
        this.work = new float[vocab];
        this.order = new long[vocab];
        this.counts = new int[vocab];
        this.touched = new int[vocab];
    }

    public int vocab() {
        return vocab;
    }

    /**
     * Fills {@code probs[0..vocab)}.
     *
     * @param history tokens before this position (prompt, output, earlier draft tokens): history[0..historyLength)
     * @throws NonFiniteLogitsException when a logit is NaN or infinite (naming position historyLength)
     */
    public void compute(float[] logits, SamplingParams sp, int[] history, int historyLength, float[] probs) {
        float[] l = work;
        System.arraycopy(logits, 0, l, 0, vocab);
        // a model's own logits are always finite; a -inf logit bias is applied below, after this check
        int bad = Ops.firstNonFinite(l, vocab);
        if (bad >= 0) throw new NonFiniteLogitsException(source, historyLength, bad, l[bad]);
        for (var e : sp.logitBias().entrySet()) {
            int id = e.getKey();
            if (id >= 0 && id < vocab) l[id] += e.getValue();
        }
        if (sp.hasPenalties()) applyPenalties(l, sp, history, historyLength);
        Arrays.fill(probs, 0, vocab, 0f);
        if (sp.isGreedy()) {
            probs[argmax(l)] = 1f;
            return;
        }
        // top-k: keep the k largest (ties broken by lower index), others get -inf
        if (sp.topK() > 0 && sp.topK() < vocab) keepTopK(l, sp.topK());
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) max = Math.max(max, l[i]);
        if (max == Float.NEGATIVE_INFINITY)
            throw new IllegalStateException("every token was excluded (logit bias of -inf everywhere?)");
        double sum = 0;
        float invT = 1f / sp.temperature();
        for (int i = 0; i < vocab; i++) {
            float p = l[i] == Float.NEGATIVE_INFINITY ? 0f : (float) Math.exp((l[i] - max) * invT);
            probs[i] = p;
            sum += p;
        }
        float inv = (float) (1.0 / sum);
        for (int i = 0; i < vocab; i++) probs[i] *= inv;
        if (sp.topP() < 1f) keepTopP(probs, sp.topP());
        if (sp.minP() > 0f) {
            float top = 0f;
            for (int i = 0; i < vocab; i++) top = Math.max(top, probs[i]);
            float cut = sp.minP() * top;
            for (int i = 0; i < vocab; i++) if (probs[i] < cut) probs[i] = 0f;
        }
        if (sp.topP() < 1f || sp.minP() > 0f) {
            double s = 0;
            for (int i = 0; i < vocab; i++) s += probs[i];
            float r = (float) (1.0 / s);
            for (int i = 0; i < vocab; i++) probs[i] *= r;
        }
    }

    private void applyPenalties(float[] l, SamplingParams sp, int[] history, int n) {
        int from = sp.penaltyWindow() < 0 ? 0 : Math.max(0, n - sp.penaltyWindow());
        int nt = 0;
        for (int i = from; i < n; i++) {
            int t = history[i];
            if (t < 0 || t >= vocab) continue;
            if (counts[t]++ == 0) touched[nt++] = t;
        }
        for (int j = 0; j < nt; j++) {
            int t = touched[j];
            float v = l[t];
            if (sp.repetitionPenalty() != 1f) v = v > 0 ? v / sp.repetitionPenalty() : v * sp.repetitionPenalty();
            v -= counts[t] * sp.frequencyPenalty() + sp.presencePenalty();
            l[t] = v;
            counts[t] = 0;
        }
    }

    /**
     * Keeps the k largest logits (ties: the lower index wins), -inf elsewhere: a min-heap of k keys
     * over the vocabulary, O(V log k) instead of sorting all of it.
     */
    private void keepTopK(float[] l, int k) {
        long[] heap = order; // heap[0..k) holds the k largest keys seen so far, smallest at the root
        int n = 0;
        for (int i = 0; i < vocab; i++) {
            long key = key(l[i], i);
            if (n < k) {
                heap[n] = key;
                siftUp(heap, n++);
            } else if (key > heap[0]) {
                heap[0] = key;
                siftDown(heap, 0, k);
            }
        }
        long threshold = heap[0];
        for (int i = 0; i < vocab; i++) if (key(l[i], i) < threshold) l[i] = Float.NEGATIVE_INFINITY;
    }

    private static void siftUp(long[] h, int i) {
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (h[parent] <= h[i]) return;
            long t = h[parent];
            h[parent] = h[i];
            h[i] = t;
            i = parent;
        }
    }

    private static void siftDown(long[] h, int i, int n) {
        while (true) {
            int a = 2 * i + 1, b = a + 1, m = i;
            if (a < n && h[a] < h[m]) m = a;
            if (b < n && h[b] < h[m]) m = b;
            if (m == i) return;
            long t = h[m];
            h[m] = h[i];
            h[i] = t;
            i = m;
        }
    }

    private void keepTopP(float[] probs, float topP) {
        int n = 0;
        for (int i = 0; i < vocab; i++) if (probs[i] > 0f) order[n++] = key(probs[i], i);
        Arrays.sort(order, 0, n);
        double cum = 0;
        int keep = n;
        for (int j = n - 1; j >= 0; j--) {
            cum += probs[indexOf(order[j])];
            if (cum >= topP) {
                keep = n - j;
                break;
            }
        }
        for (int j = 0; j < n - keep; j++) probs[indexOf(order[j])] = 0f;
    }

    /** A sortable key: ascending order = ascending value, and for equal values descending index. */
    private static long key(float v, int index) {
        int bits = Float.floatToIntBits(v);
        bits = bits >= 0 ? bits : bits ^ 0x7FFFFFFF; // total order for negative floats
        return ((long) bits << 32) | (0xFFFFFFFFL & ~index);
    }

    private static int indexOf(long key) {
        return ~(int) key;
    }

    public static int argmax(float[] x) {
        int best = 0;
        float bv = x[0];
        for (int i = 1; i < x.length; i++)
            if (x[i] > bv) {
                bv = x[i];
                best = i;
            }
        return best;
    }

    /** The top probability of softmax(logits[0..n)) at temperature 1: how sure a model is. */
    public static double topProbability(float[] logits, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, logits[i]);
        double sum = 0;
        for (int i = 0; i < n; i++) sum += Math.exp(logits[i] - max);
        return 1 / sum;
    }

    /** Index of the largest probability (first on ties). */
    public int argmaxOf(float[] probs) {
        int best = 0;
        float bv = probs[0];
        for (int i = 1; i < vocab; i++)
            if (probs[i] > bv) {
                bv = probs[i];
                best = i;
            }
        return best;
    }

    /** Inverse-CDF draw from {@code probs} with uniform u in [0, 1). */
    public int sample(float[] probs, double u) {
        return inverseCdf(probs, vocab, u);
    }

    /**
     * The first index whose cumulative weight (over weights[0..n), non-positive ones skipped)
     * exceeds {@code target}: an inverse-CDF draw when target = u * total weight. If rounding
     * leaves the target above the total, the last index with weight.
     */
    public static int inverseCdf(float[] weights, int n, double target) {
        double cum = 0;
        int last = -1;
        for (int i = 0; i < n; i++) {
            if (weights[i] <= 0f) continue;
            cum += weights[i];
            last = i;
            if (target < cum) return i;
        }
        return last;
    }
}
