package dev.specdec.target;

import dev.specdec.kernels.Rope;

/**
 * What one transformer family does differently, as data: the one place the loader
 * ({@link ModelLoader}), the synthesizer ({@link ModelSynthesizer}) and, through {@link ModelConfig},
 * the forward passes read it from. Values a file may override (soft-caps, window) are the defaults
 * llama.cpp uses when the key is missing.
 *
 * @param ropeLayout         how RoPE pairs dimensions: NORMAL (adjacent, LLaMA) or NEOX (halves)
 * @param activation         the gate of the gated FFN
 * @param embeddingsScaled   the token embedding is multiplied by sqrt(dim) (Gemma)
 * @param fusedQkv           one attn_qkv matrix with rows q, k, v instead of attn_q/k/v (Phi-3)
 * @param fusedGateUp        one ffn_up matrix of 2 * ffn rows, gate rows first, and no ffn_gate (Phi-3)
 * @param qkvBias            attn_q/k/v biases are part of the architecture (Qwen2; optional elsewhere)
 * @param postNorms          RMSNorm after attention and after the FFN, before the residual add (Gemma 2)
 * @param tiedOutput         the architecture ties the output projection to the embedding (no output.weight);
 *                           the loader falls back to the embedding for any architecture whose file has none
 * @param attnSoftCap        default cap of cap * tanh(score / cap) on attention scores ({@code <arch>.attn_logit_softcapping}), 0 = none
 * @param finalSoftCap       the same on the logits ({@code <arch>.final_logit_softcapping}), 0 = none
 * @param slidingWindow      whether {@code <arch>.attention.sliding_window} is read
 * @param windowDefault      its default when missing (0 = unlimited)
 * @param windowOnEvenLayers the window applies to layers 0, 2, 4, ... only (Gemma 2); else to all
 * @param queryScale         how q·k is scaled
 */
public record ArchitectureProfile(
        Rope.Layout ropeLayout,
        Activation activation,
        boolean embeddingsScaled,
        boolean fusedQkv,
        boolean fusedGateUp,
        boolean qkvBias,
        boolean postNorms,
        boolean tiedOutput,
        float attnSoftCap,
        float finalSoftCap,
        boolean slidingWindow,
        int windowDefault,
        boolean windowOnEvenLayers,
        QueryScale queryScale) {

    /** The gate of the gated FFN: act(gate) * up. */
    public enum Activation {
        SILU,
        GELU_TANH
    }

    /** How the attention scores q·k are scaled. */
    public enum QueryScale {
        /** 1 / sqrt(headDim). */
        HEAD_DIM,
        /**
         * Gemma 2: 1 / sqrt(dim / heads) for the 27B model, 1 / sqrt(headDim) otherwise; llama.cpp
         * tells the 27B model by its layer count, and so do we.
         */
        GEMMA2;

        /** Layers of Gemma 2 27B, the model whose query scale is 1 / sqrt(dim / heads). */
        static final int GEMMA2_27B_LAYERS = 46;

        float scale(int dim, int heads, int headDim, int layers) {
            if (this == GEMMA2 && layers == GEMMA2_27B_LAYERS) return (float) (1.0 / Math.sqrt((double) dim / heads));
            return (float) (1.0 / Math.sqrt(headDim));
        }
    }

    /** A profile stated as its differences from LLaMA's (NORMAL RoPE, SiLU, nothing else). */
    static Builder differingFromLlama() {
        return new Builder();
    }

    /** The profile of a new architecture, one difference at a time. */
    static final class Builder {
        private Rope.Layout ropeLayout = Rope.Layout.NORMAL;
        private Activation activation = Activation.SILU;
        private boolean embeddingsScaled,
                fusedQkv,
                fusedGateUp,
                qkvBias,
                postNorms,
                tiedOutput,
                slidingWindow,
                windowOnEvenLayers;
        private float attnSoftCap, finalSoftCap;
        private int windowDefault;
        private QueryScale queryScale = QueryScale.HEAD_DIM;

        Builder neoxRope() {
            ropeLayout = Rope.Layout.NEOX;
            return this;
        }

        Builder geluTanh() {
            activation = Activation.GELU_TANH;
            return this;
        }

        Builder scaledEmbeddings() {
            embeddingsScaled = true;
            return this;
        }

        Builder fusedQkv() {
            fusedQkv = true;
            return this;
        }

        Builder fusedGateUp() {
            fusedGateUp = true;
            return this;
        }

        Builder qkvBias() {
            qkvBias = true;
            return this;
        }

        Builder postNorms() {
            postNorms = true;
            return this;
        }

        Builder tiedOutput() {
            tiedOutput = true;
            return this;
        }

        Builder softCaps(float attention, float logits) {
            attnSoftCap = attention;
            finalSoftCap = logits;
            return this;
        }

        Builder slidingWindow(int defaultSize, boolean evenLayersOnly) {
            slidingWindow = true;
            windowDefault = defaultSize;
            windowOnEvenLayers = evenLayersOnly;
            return this;
        }

        Builder queryScale(QueryScale q) {
            queryScale = q;
            return this;
        }

        ArchitectureProfile build() {
            return new ArchitectureProfile(
                    ropeLayout,
                    activation,
                    embeddingsScaled,
                    fusedQkv,
                    fusedGateUp,
                    qkvBias,
                    postNorms,
                    tiedOutput,
                    attnSoftCap,
                    finalSoftCap,
                    slidingWindow,
                    windowDefault,
                    windowOnEvenLayers,
                    queryScale);
        }
    }
}
