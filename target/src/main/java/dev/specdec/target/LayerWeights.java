package dev.specdec.target;

import dev.specdec.kernels.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The weights of one transformer block. Matrices stay memory-mapped tensors; norm weights and
 * biases are small float arrays. Shapes are in ggml order ([in, out]). Where architectures differ
 * in the block's shape, a sealed family says which shape this layer has (no nullable fields): the
 * forward passes switch on it, and the CUDA backend maps it to device memory with {@code map}.
 *
 * @param attnNorm  [dim]
 * @param wo        [heads*headDim, dim]
 * @param ffnNorm   [dim]
 * @param wDown     [ffn, dim]
 */
public record LayerWeights(
        float[] attnNorm,
        Attention<Tensor> attention,
        Bias<float[]> bias,
        Tensor wo,
        float[] ffnNorm,
        Ffn<Tensor> ffn,
        Tensor wDown,
        PostNorms<float[]> postNorms) {

    /** The q, k, v projections. */
    public sealed interface Attention<M> {
        /** wq [dim, heads*headDim], wk and wv [dim, kvHeads*headDim]. */
        record Separate<M>(M wq, M wk, M wv) implements Attention<M> {}

        /** wqkv [dim, (heads + 2*kvHeads)*headDim] with rows q, k, v (Phi-3). */
        record Fused<M>(M wqkv) implements Attention<M> {}

        default <N> Attention<N> map(Function<M, N> f) {
            return switch (this) {
                case Separate<M>(M q, M k, M v) -> new Separate<>(f.apply(q), f.apply(k), f.apply(v));
                case Fused<M>(M qkv) -> new Fused<>(f.apply(qkv));
            };
        }
    }

    /** Biases added to q, k and v after the projections. */
    public sealed interface Bias<V> {
        record None<V>() implements Bias<V> {}

        /** [heads*headDim], [kvHeads*headDim], [kvHeads*headDim] (Qwen2). */
        record Qkv<V>(V q, V k, V v) implements Bias<V> {}

        default <W> Bias<W> map(Function<V, W> f) {
            return switch (this) {
                case None<V> n -> new None<>();
                case Qkv<V>(V q, V k, V v) -> new Qkv<>(f.apply(q), f.apply(k), f.apply(v));
            };
        }
    }

    /** The gate and up projections of the gated FFN. */
    public sealed interface Ffn<M> {
        /** gate and up [dim, ffn]. */
        record Gated<M>(M gate, M up) implements Ffn<M> {}

        /** gateUp [dim, 2*ffn], gate rows first (Phi-3). */
        record FusedGateUp<M>(M gateUp) implements Ffn<M> {}

        default <N> Ffn<N> map(Function<M, N> f) {
            return switch (this) {
                case Gated<M>(M gate, M up) -> new Gated<>(f.apply(gate), f.apply(up));
                case FusedGateUp<M>(M gateUp) -> new FusedGateUp<>(f.apply(gateUp));
            };
        }
    }

    /** RMSNorms applied to the attention and FFN outputs before each residual add. */
    public sealed interface PostNorms<V> {
        record None<V>() implements PostNorms<V> {}

        /** attn and ffn [dim] (Gemma 2). */
        record Rms<V>(V attn, V ffn) implements PostNorms<V> {}

        default <W> PostNorms<W> map(Function<V, W> f) {
            return switch (this) {
                case None<V> n -> new None<>();
                case Rms<V>(V attn, V ffn) -> new Rms<>(f.apply(attn), f.apply(ffn));
            };
        }
    }

    /** Every matrix of the block, in file order (for byte counts). */
    public List<Tensor> matrices() {
        List<Tensor> m = new ArrayList<>(6);
        switch (attention) {
            case Attention.Separate<Tensor>(Tensor q, Tensor k, Tensor v) -> m.addAll(List.of(q, k, v));
            case Attention.Fused<Tensor>(Tensor qkv) -> m.add(qkv);
        }
        m.add(wo);
        switch (ffn) {
            case Ffn.Gated<Tensor>(Tensor gate, Tensor up) -> m.addAll(List.of(gate, up));
            case Ffn.FusedGateUp<Tensor>(Tensor gateUp) -> m.add(gateUp);
        }
        m.add(wDown);
        return m;
    }
}
