package dev.specdec.verifier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.specdec.draft.DraftLengthPolicy;
import dev.specdec.draft.Drafter;
import dev.specdec.draft.ModelDrafter;
import dev.specdec.draft.PromptLookupDrafter;
import dev.specdec.kernels.cuda.Cuda;
import dev.specdec.sampling.SamplingParams;
import dev.specdec.target.CudaTransformer;
import dev.specdec.target.ModelLoader;
import dev.specdec.target.ModelWeights;
import dev.specdec.target.TestData;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Greedy speculative decoding equals greedy plain decoding on the GPU too (run by bench/gpu-check.sh). */
@Tag("gpu")
class GpuSpeculativeTest {

    @ParameterizedTest
    @CsvSource({
        "llama2-spm-d256-q8_0.gguf, llama2-spm-d256-q4_0.gguf",
        "stories260K.gguf, ngram",
        "qwen2-bpe-tiny.gguf, ngram",
        "gemma2-spm-tiny.gguf, ngram"
    })
    void greedySpeculativeEqualsPlainOnTheGpu(String target, String draft) {
        Assumptions.assumeTrue(
                Cuda.probe().available(), "no GPU: " + Cuda.probe().reason());
        try (ModelWeights w = ModelLoader.load(TestData.model(target))) {
            int[] prompt = {1, 5, 9, 5, 9, 17};
            int[] expected;
            try (CudaTransformer t = new CudaTransformer(w, 256)) {
                expected = new SpeculativeDecoder(t, null, null)
                        .generate(
                                new GenerationRequest(prompt, 40, SamplingParams.greedy(), List.of(), false),
                                TokenListener.NONE)
                        .tokens();
            }
            for (int k : new int[] {1, 3, 6}) {
                try (CudaTransformer t = new CudaTransformer(w, 256);
                        Drafter d = draft.equals("ngram")
                                ? new PromptLookupDrafter()
                                : ModelDrafter.create(
                                        new CudaTransformer(ModelLoader.load(TestData.model(draft)), 256),
                                        w.tokenizer(),
                                        w.config().vocabSize(),
                                        draft,
                                        ModelDrafter.Mode.SAMPLED)) {
                    int[] got = new SpeculativeDecoder(t, d, DraftLengthPolicy.named("fixed", k, null))
                            .generate(
                                    new GenerationRequest(prompt, 40, SamplingParams.greedy(), List.of(), false),
                                    TokenListener.NONE)
                            .tokens();
                    assertArrayEquals(expected, got, target + " / " + draft + " k=" + k);
                }
            }
        }
    }
}
