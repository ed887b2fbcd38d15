package dev.specdec.target;

import dev.specdec.kernels.Tensor;

/**
 * The weights of one transformer block. Matrices stay memory-mapped tensors; norm weights and
 * biases are small float arrays. Shapes are in ggml order ([in, out]).
 *
 * @param wq      [dim, heads*headDim], or null when fused into wqkv (Phi-3)
 * @param wqkv    [dim, (heads + 2*kvHeads)*headDim] with rows q, k, v; or null
 * @param wGate   [dim, ffn], or null when fused into wUp (Phi-3: wUp is [dim, 2*ffn], gate rows first)
 */
public record LayerWeights(
        float[] attnNorm,
        Tensor wq, Tensor wk, Tensor wv, Tensor wqkv,
        float[] bq, float[] bk, float[] bv,
        Tensor wo,
        float[] postAttnNorm,
        float[] ffnNorm,
        Tensor wGate, Tensor wUp, Tensor wDown,
        float[] postFfnNorm) {
}
