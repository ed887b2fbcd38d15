package dev.specdec.target;

import dev.specdec.kernels.ComputePool;
import dev.specdec.kernels.Matmul;
import dev.specdec.kernels.Ops;
import dev.specdec.kernels.Rope;
import dev.specdec.kernels.Tensor;

/**
 * The forward pass of every supported architecture, batched over T tokens, reading top to bottom
 * like the papers. Architecture differences are {@link ModelConfig} fields checked at a few named
 * switch points. One instance per generation: it owns the KV cache and every buffer, sized once,
 * so decoding allocates nothing per token.
 *
 * <p>Batch invariance: every per-row computation (matmul rows, norms, attention) depends only on
 * that row's inputs and the cache, never on how many rows share the pass. That is what lets
 * {@link #forwardMany} put the rows of several sequences (sessions) in one pass: each row attends
 * to its own sequence's KV cache, and gets the logits it would get alone.
 */
public final class Transformer implements LanguageModel {
    private static final int LOGIT_ROWS = 8;

    private final ModelWeights w;
    private final ModelConfig c;
    private final ComputePool pool;
    private final boolean ownsPool;
    private final KvCache cache;
    private final KvState kv;
    private final Rope rope;

    // activations, T rows each, row-major
    private final float[] x, xb, q, k, v, qkv, att, ao, gate, up, gateUp, down;
    private final float[] logitBuf; // [LOGIT_ROWS * vocab]
    private final float[] outRows; // [LOGIT_ROWS * dim]
    private final int[] rows = new int[LOGIT_ROWS];
    // where each row of a pass comes from: its sequence (KV cache, rotary table), position, token and logits row
    private final Transformer[] rowModel = new Transformer[MAX_ROWS_PER_PASS];
    private final int[] rowPos = new int[MAX_ROWS_PER_PASS], rowToken = new int[MAX_ROWS_PER_PASS];
    private final float[][] rowLogits = new float[MAX_ROWS_PER_PASS][];
    private final ThreadLocal<float[]> scores;

    Transformer(ModelWeights weights, int contextLength, ComputePool pool, boolean ownsPool, KvCache.Type kvType) {
        this.w = weights;
        this.c = weights.config();
        this.pool = pool;
        this.ownsPool = ownsPool;
        this.kv = new KvState(contextLength, c.vocabSize());
        this.cache = new KvCache(kvType, c.layers(), contextLength, c.kvDim());
        this.rope = weights.rope(contextLength);
        int B = MAX_ROWS_PER_PASS;
        x = new float[B * c.dim()];
        xb = new float[B * c.dim()];
        q = new float[B * c.qDim()];
        k = new float[B * c.kvDim()];
        v = new float[B * c.kvDim()];
        boolean fusedQkv = fusedQkv(weights);
        qkv = fusedQkv ? new float[B * (c.qDim() + 2 * c.kvDim())] : null;
        att = new float[B * c.qDim()];
        ao = new float[B * c.dim()];
        gate = new float[B * c.ffn()];
        up = new float[B * c.ffn()];
        boolean fusedGateUp = fusedGateUp(weights);
        gateUp = fusedGateUp ? new float[B * 2 * c.ffn()] : null;
        down = new float[B * c.dim()];
        logitBuf = new float[LOGIT_ROWS * c.vocabSize()];
        outRows = new float[LOGIT_ROWS * c.dim()];
        int ctx = contextLength;
        scores = ThreadLocal.withInitial(() -> new float[ctx]);
    }

    /**
     * Bytes a CPU session of this model allocates: its KV cache and the activation buffers above
     * (an engine reserves them from its memory budget before it builds the session).
     */
    public static long sessionBytes(ModelWeights w, int contextLength, KvCache.Type kvType) {
        ModelConfig c = w.config();
        boolean fusedQkv = fusedQkv(w), fusedGateUp = fusedGateUp(w);
        long rows = MAX_ROWS_PER_PASS;
        long floats = rows * (4L * c.dim() + 2L * c.qDim() + 2L * c.kvDim() + 2L * c.ffn())
                + (fusedQkv ? rows * (c.qDim() + 2L * c.kvDim()) : 0)
                + (fusedGateUp ? rows * 2L * c.ffn() : 0)
                + (long) LOGIT_ROWS * (c.vocabSize() + c.dim());
        return KvCache.bytes(kvType, c.layers(), contextLength, c.kvDim()) + floats * Float.BYTES + 4L * contextLength;
    }

    private static boolean fusedQkv(ModelWeights w) {
        return w.layers().getFirst().attention() instanceof LayerWeights.Attention.Fused;
    }

    private static boolean fusedGateUp(ModelWeights w) {
        return w.layers().getFirst().ffn() instanceof LayerWeights.Ffn.FusedGateUp;
    }

    @Override
    public ModelConfig config() {
        return c;
    }

    @Override
    public int vocabularySize() {
        return c.vocabSize();
    }

    @Override
    public Tokenizer tokenizer() {
        return w.tokenizer();
    }

    @Override
    public int contextLength() {
        return kv.capacity();
    }

    @Override
    public int cachedLength() {
        return kv.length();
    }

    @Override
    public void truncate(int length) {
        kv.truncate(length);
    }

    public ModelWeights weights() {
        return w;
    }

    public KvCache cache() {
        return cache;
    }

    @Override
    public void forward(int[] tokens, int count, int position, float[][] logitsOut) {
        kv.begin(tokens, count, position);
        int t = 0;
        for (int i = 0; i < count; i++) {
            t = addRow(
                    t, this, tokens[i], position + i, logitsOut != null && i < logitsOut.length ? logitsOut[i] : null);
        }
        if (t > 0) runPass(t);
    }

    /**
     * Checks a forward of {@code tokens[0..count)} at {@code position} as {@link #forward} would,
     * without computing it: a caller that gathers several sequences into {@link #forwardMany} finds
     * a bad one before the pass, without failing the others.
     */
    public void check(int[] tokens, int count, int position) {
        kv.begin(tokens, count, position);
    }

    /**
     * {@link #forward} for {@code n} sequences at once: sequence i runs {@code tokens[i][0..counts[i])}
     * at {@code positions[i]} on {@code models[i]} (its own KV cache), and its rows share passes with the
     * other sequences' rows, so the weights stream once for all of them. Every model must be a session
     * of the same weights on the same pool; each gets bitwise the logits {@link #forward} would give it
     * (the per-row computation does not depend on the other rows). The pass runs on {@code models[0]}'s
     * buffers.
     */
    public static void forwardMany(
            Transformer[] models, int[][] tokens, int[] counts, int[] positions, float[][][] logitsOut, int n) {
        if (n == 0) return;
        Transformer leader = models[0];
        for (int i = 0; i < n; i++) {
            if (models[i].w != leader.w || models[i].pool != leader.pool) {
                throw new IllegalArgumentException("forwardMany: sequence " + i
                        + " is a session of other weights or another pool than sequence 0");
            }
            models[i].kv.begin(tokens[i], counts[i], positions[i]);
        }
        int t = 0;
        for (int i = 0; i < n; i++) {
            float[][] out = logitsOut[i];
            for (int j = 0; j < counts[i]; j++) {
                t = leader.addRow(
                        t, models[i], tokens[i][j], positions[i] + j, out != null && j < out.length ? out[j] : null);
            }
        }
        if (t > 0) leader.runPass(t);
    }

    /** Puts a row in the pass being gathered; runs the pass when it is full. Returns the rows gathered now. */
    private int addRow(int t, Transformer model, int token, int position, float[] logits) {
        rowModel[t] = model;
        rowToken[t] = token;
        rowPos[t] = position;
        rowLogits[t] = logits;
        if (++t < MAX_ROWS_PER_PASS) return t;
        runPass(t);
        return 0;
    }

    private void runPass(int T) {
        pass(T);
        // rows of a sequence are in position order: its last row's position ends what its cache holds
        for (int t = 0; t < T; t++) rowModel[t].kv.filledTo(rowPos[t] + 1);
        java.util.Arrays.fill(rowModel, 0, T, null);
        java.util.Arrays.fill(rowLogits, 0, T, null);
    }

    /** One batched pass over the T rows gathered in rowModel/rowToken/rowPos/rowLogits. */
    private void pass(int T) {
        final int dim = c.dim(), qDim = c.qDim(), kvDim = c.kvDim(), ffn = c.ffn();
        for (int t = 0; t < T; t++) {
            w.tokenEmbedding().row(rowToken[t], x, t * dim);
            if (c.embedScale() != 1f) Ops.scale(x, t * dim, dim, c.embedScale());
        }
        for (int l = 0; l < c.layers(); l++) {
            LayerWeights L = w.layers().get(l);
            // attention
            for (int t = 0; t < T; t++) Ops.rmsNorm(xb, t * dim, x, t * dim, L.attnNorm(), dim, c.rmsEps());
            switch (L.attention()) {
                case LayerWeights.Attention.Separate<Tensor>(Tensor wq, Tensor wk, Tensor wv) -> {
                    Matmul.matmul(pool, wq, xb, q, T);
                    Matmul.matmul(pool, wk, xb, k, T);
                    Matmul.matmul(pool, wv, xb, v, T);
                }
                case LayerWeights.Attention.Fused<Tensor>(Tensor wqkv) -> {
                    Matmul.matmul(pool, wqkv, xb, qkv, T);
                    int stride = qDim + 2 * kvDim;
                    for (int t = 0; t < T; t++) {
                        System.arraycopy(qkv, t * stride, q, t * qDim, qDim);
                        System.arraycopy(qkv, t * stride + qDim, k, t * kvDim, kvDim);
                        System.arraycopy(qkv, t * stride + qDim + kvDim, v, t * kvDim, kvDim);
                    }
                }
            }
            for (int t = 0; t < T; t++) {
                if (L.bias() instanceof LayerWeights.Bias.Qkv<float[]>(float[] bq, float[] bk, float[] bv)) {
                    Ops.add(q, t * qDim, bq, 0, qDim);
                    Ops.add(k, t * kvDim, bk, 0, kvDim);
                    Ops.add(v, t * kvDim, bv, 0, kvDim);
                }
                Transformer m = rowModel[t];
                m.rope.apply(q, t * qDim, c.heads(), c.headDim(), rowPos[t]);
                m.rope.apply(k, t * kvDim, c.kvHeads(), c.headDim(), rowPos[t]);
                m.cache.store(l, rowPos[t], k, t * kvDim, v, t * kvDim);
            }
            attention(l, T);
            Matmul.matmul(pool, L.wo(), att, ao, T);
            LayerWeights.PostNorms<float[]> post = L.postNorms();
            for (int t = 0; t < T; t++) {
                if (post instanceof LayerWeights.PostNorms.Rms<float[]>(float[] attnOut, float[] ffnOut)) {
                    Ops.rmsNorm(ao, t * dim, ao, t * dim, attnOut, dim, c.rmsEps());
                }
                Ops.add(x, t * dim, ao, t * dim, dim);
            }
            // feed-forward
            for (int t = 0; t < T; t++) Ops.rmsNorm(xb, t * dim, x, t * dim, L.ffnNorm(), dim, c.rmsEps());
            switch (L.ffn()) {
                case LayerWeights.Ffn.Gated<Tensor>(Tensor wGate, Tensor wUp) -> {
                    Matmul.matmul(pool, wGate, xb, gate, T);
                    Matmul.matmul(pool, wUp, xb, up, T);
                }
                case LayerWeights.Ffn.FusedGateUp<Tensor>(Tensor wGateUp) -> {
                    Matmul.matmul(pool, wGateUp, xb, gateUp, T);
                    for (int t = 0; t < T; t++) {
                        System.arraycopy(gateUp, t * 2 * ffn, gate, t * ffn, ffn);
                        System.arraycopy(gateUp, t * 2 * ffn + ffn, up, t * ffn, ffn);
                    }
                }
            }
            pool.parallelFor(T * ffn, gateTask); // element-wise, split across the pool like the matmuls
            Matmul.matmul(pool, L.wDown(), gate, down, T);
            for (int t = 0; t < T; t++) {
                if (post instanceof LayerWeights.PostNorms.Rms<float[]>(float[] attnOut, float[] ffnOut)) {
                    Ops.rmsNorm(down, t * dim, down, t * dim, ffnOut, dim, c.rmsEps());
                }
                Ops.add(x, t * dim, down, t * dim, dim);
            }
        }
        logits(T);
    }

    /** Causal attention of T query rows, each over its own sequence's cache, split across threads by (row, head). */
    private void attention(int layer, int T) {
        attentionTask.layer = layer;
        pool.parallelFor(T * c.heads(), attentionTask);
    }

    private final AttentionTask attentionTask = new AttentionTask();

    /** act(gate) * up over the T * ffn values of a pass (no lambda: it would allocate per call). */
    private final ComputePool.RangeTask gateTask = new ComputePool.RangeTask() {
        @Override
        public void run(int from, int to) {
            switch (c.activation()) {
                case GELU_TANH -> Ops.geluMul(gate, from, up, from, to - from);
                case SILU -> Ops.siluMul(gate, from, up, from, to - from);
            }
        }
    };

    /** The attention work as a reusable task (a capturing lambda would allocate on every call). */
    private final class AttentionTask implements ComputePool.RangeTask {
        int layer;

        @Override
        public void run(int from, int to) {
            final int heads = c.heads(), hd = c.headDim(), group = c.heads() / c.kvHeads();
            final boolean windowed = c.windowed(layer);
            float[] s = scores.get();
            for (int i = from; i < to; i++) {
                int t = i / heads, h = i % heads;
                int p = rowPos[t];
                KvCache cache = rowModel[t].cache;
                if (s.length <= p) { // a row of a sequence with a longer context than this one's (once per thread)
                    s = new float[rowModel[t].contextLength()];
                    scores.set(s);
                }
                int lo = windowed ? Math.max(0, p - c.slidingWindow() + 1) : 0;
                int qOff = t * c.qDim() + h * hd;
                int kvOff = (h / group) * hd;
                for (int j = lo; j <= p; j++) {
                    float score = cache.dotKey(layer, j, kvOff, q, qOff, hd) * c.queryScale();
                    if (c.attnSoftCap() > 0f) score = c.attnSoftCap() * (float) Ops.tanh(score / c.attnSoftCap());
                    s[j - lo] = score;
                }
                Ops.softmax(s, 0, p - lo + 1);
                java.util.Arrays.fill(att, qOff, qOff + hd, 0f);
                for (int j = lo; j <= p; j++) cache.addValue(layer, j, kvOff, s[j - lo], att, qOff, hd);
            }
        }
    }

    /** Final norm and output projection for the rows that asked for logits, LOGIT_ROWS at a time. */
    private void logits(int T) {
        final int dim = c.dim(), vocab = c.vocabSize();
        int t = 0;
        while (t < T) {
            int n = 0;
            for (; t < T && n < LOGIT_ROWS; t++) {
                if (rowLogits[t] != null) {
                    Ops.rmsNorm(outRows, n * dim, x, t * dim, w.outputNorm(), dim, c.rmsEps());
                    rows[n++] = t;
                }
            }
            if (n == 0) continue;
            Matmul.matmul(pool, w.output(), outRows, logitBuf, n);
            for (int i = 0; i < n; i++) {
                float[] dst = rowLogits[rows[i]];
                System.arraycopy(logitBuf, i * vocab, dst, 0, vocab);
                if (c.finalSoftCap() > 0f) Ops.softCap(dst, 0, vocab, c.finalSoftCap());
            }
        }
    }

    @Override
    public int commonPrefix(int[] tokens, int n) {
        return kv.commonPrefix(tokens, n);
    }

    @Override
    public void close() {
        if (ownsPool) pool.close();
    }
}
