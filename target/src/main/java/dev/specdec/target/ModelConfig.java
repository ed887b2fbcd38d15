package dev.specdec.target;

import dev.specdec.kernels.Rope;

/**
 * Every hyper-parameter of a model and every architecture switch point, as data: the forward pass
 * reads these and has no per-architecture copies. The loader fills the switch points from the
 * file and the architecture's {@link ArchitectureProfile}; per-layer shapes (fused matrices, biases,
 * post-norms) are in {@link LayerWeights}.
 *
 * @param headDim         query/key size per head (GGUF attention.key_length; default dim / heads)
 * @param ropeDims        rotated dimensions per head (rope.dimension_count; default headDim)
 * @param embedScale      multiplier of the token embedding (sqrt(dim) for Gemma, else 1)
 * @param activation      the gate of the FFN: SiLU, or GELU-tanh (Gemma)
 * @param attnSoftCap     cap * tanh(score / cap) on attention scores, or 0 for none (Gemma 2)
 * @param finalSoftCap    the same on the logits, or 0 (Gemma 2)
 * @param slidingWindow   key position t is visible from p only if p - t < window; 0 = unlimited
 * @param windowOnEvenLayersOnly Gemma 2 applies the window on layers 0, 2, 4, ...; Phi-3 on all
 * @param queryScale      multiplier of q·k (1/sqrt(headDim) unless the architecture says otherwise)
 */
public record ModelConfig(
        Architecture architecture,
        int dim,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        int ffn,
        int vocabSize,
        int contextLength,
        float rmsEps,
        double ropeBase,
        int ropeDims,
        Rope.Layout ropeLayout,
        float embedScale,
        ArchitectureProfile.Activation activation,
        float attnSoftCap,
        float finalSoftCap,
        int slidingWindow,
        boolean windowOnEvenLayersOnly,
        float queryScale) {

    public int qDim() {
        return heads * headDim;
    }

    public int kvDim() {
        return kvHeads * headDim;
    }

    /** Whether layer {@code l} attends through the sliding window. */
    public boolean windowed(int layer) {
        return slidingWindow > 0 && (!windowOnEvenLayersOnly || layer % 2 == 0);
    }
}
