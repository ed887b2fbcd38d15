package dev.specdec.target;

import dev.specdec.kernels.ComputePool;
import dev.specdec.kernels.Rope;
import dev.specdec.kernels.Tensor;
import java.nio.file.Path;
import java.util.List;

/**
 * A loaded model: configuration, memory-mapped weights and vocabulary, shared by every generation
 * that uses it (thread-safe: nothing here changes after loading). {@link #newSession} gives a
 * {@link LanguageModel} with its own KV cache and buffers. Closing the weights unmaps the file.
 *
 * @param tokenEmbedding [dim, vocab]
 * @param output         [dim, vocab]; the embedding itself when the model ties them
 */
public record ModelWeights(
        Path source,
        ModelConfig config,
        Tokenizer tokenizer,
        Tensor tokenEmbedding,
        List<LayerWeights> layers,
        float[] outputNorm,
        Tensor output,
        float[] ropeFreqFactors,
        LongRope longRope,
        AutoCloseable owner)
        implements AutoCloseable {

    /**
     * Phi-3's LongRoPE: frequency divisors for contexts up to {@code originalContext} (short) and
     * beyond it (long), chosen per session by its context length, and a factor on cos and sin.
     */
    public record LongRope(float[] shortFactors, float[] longFactors, int originalContext, float attnFactor) {}

    /** A session with its own KV cache of {@code contextLength} tokens and a pool of {@code threads}. */
    public Transformer newSession(int contextLength, int threads, KvCache.Type kvType) {
        return new Transformer(this, contextLength, new ComputePool(threads), true, kvType);
    }

    public Transformer newSession(int contextLength, ComputePool pool) {
        return newSession(contextLength, pool, KvCache.Type.F32);
    }

    /** A session on a pool it does not own (shared by several sessions, which must take turns per pass). */
    public Transformer newSession(int contextLength, ComputePool pool, KvCache.Type kvType) {
        return new Transformer(this, contextLength, pool, false, kvType);
    }

    /** Bytes a CPU session with this context length and KV type allocates (its KV cache and buffers). */
    public long sessionBytes(int contextLength, KvCache.Type kvType) {
        return Transformer.sessionBytes(this, contextLength, kvType);
    }

    /** The rotary embedding of a session with this context length. */
    public Rope rope(int contextLength) {
        if (longRope != null) {
            float[] f = contextLength > longRope.originalContext() ? longRope.longFactors() : longRope.shortFactors();
            return new Rope(config.ropeLayout(), config.ropeDims(), config.ropeBase(), f, longRope.attnFactor());
        }
        return new Rope(config.ropeLayout(), config.ropeDims(), config.ropeBase(), ropeFreqFactors);
    }

    /** Bytes of all weight tensors (what one decode step reads). */
    public long weightBytes() {
        long b = tokenEmbedding.data().byteSize();
        if (output != tokenEmbedding) b += output.data().byteSize();
        for (LayerWeights l : layers) {
            for (Tensor t : l.matrices()) b += t.data().byteSize();
        }
        return b;
    }

    /** Bytes read per decoded token: every matrix once, plus one embedding row. */
    public long bytesPerToken() {
        long b = weightBytes() - tokenEmbedding.data().byteSize() + tokenEmbedding.rowBytes();
        if (output == tokenEmbedding) b += output.data().byteSize();
        return b;
    }

    @Override
    public void close() {
        try {
            if (owner != null) owner.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing " + source, e);
        }
    }
}
