package dev.specdec.verifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.specdec.draft.DraftLengthPolicy;
import dev.specdec.draft.Drafter;
import dev.specdec.draft.ModelDrafter;
import dev.specdec.draft.PromptLookupDrafter;
import dev.specdec.sampling.NonFiniteLogitsException;
import dev.specdec.sampling.SamplingParams;
import dev.specdec.target.CorruptCopies;
import dev.specdec.target.KvCache;
import dev.specdec.target.ModelLoader;
import dev.specdec.target.ModelWeights;
import dev.specdec.target.TestData;
import dev.specdec.target.Transformer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model with a NaN block scale (loaded without --check-tensors) computes NaN logits. Greedy
 * decoding used to emit token 0 forever; every decoding path now stops at the first position,
 * naming it and the model.
 */
class NonFiniteLogitsTest {
    static final Path Q8 = TestData.model("llama2-spm-d256-q8_0.gguf");
    static final int[] PROMPT = {1, 5, 9, 17, 23};

    @TempDir
    static Path dir;

    static Path nan;

    @BeforeAll
    static void writeANaNModel() {
        // block 0 of attn_q feeds head 0's attention, whose NaN reaches every logit through attn_output
        nan = CorruptCopies.withNaNScale(Q8, dir.resolve("nan.gguf"), "blk.0.attn_q.weight", 0, 0);
    }

    static String message(String model) {
        return message(model, PROMPT.length);
    }

    static String message(String model, int position) {
        return "the logits of " + model + " for position " + position
                + " are not finite (NaN for token 0): its weights "
                + "probably hold NaN or Inf; load it with --check-tensors to find the tensor";
    }

    @Test
    void aNaNTargetStopsPlainAndSpeculativeDecodingAtTheFirstPosition() {
        try (ModelWeights w = ModelLoader.load(nan)) {
            for (SamplingParams sp :
                    new SamplingParams[] {SamplingParams.greedy(), SamplingParams.temperature(0.8f, 3)}) {
                for (boolean ngram : new boolean[] {false, true}) {
                    List<Integer> emitted = new ArrayList<>();
                    try (Transformer t = w.newSession(64, 1, KvCache.Type.F32);
                            Drafter d = ngram ? new PromptLookupDrafter() : null) {
                        SpeculativeDecoder dec =
                                new SpeculativeDecoder(t, d, DraftLengthPolicy.named("fixed", 3, null));
                        NonFiniteLogitsException e = assertThrows(
                                NonFiniteLogitsException.class,
                                () -> dec.generate(
                                        new GenerationRequest(PROMPT, 20, sp, List.of(), false),
                                        (tok, s) -> emitted.add(tok)));
                        assertEquals(message("the target model"), e.getMessage());
                        assertEquals(PROMPT.length, e.position());
                        assertEquals(List.of(), emitted, "nothing may be emitted from NaN logits");
                    }
                }
            }
        }
    }

    @Test
    void aNaNDraftIsNamedAsTheDraft() {
        try (ModelWeights w = ModelLoader.load(Q8);
                ModelWeights dw = ModelLoader.load(nan);
                Transformer t = w.newSession(64, 1, KvCache.Type.F32);
                Drafter d = ModelDrafter.create(
                        dw.newSession(64, 1, KvCache.Type.F32),
                        w.tokenizer(),
                        w.config().vocabSize(),
                        "nan.gguf",
                        ModelDrafter.Mode.SAMPLED)) {
            SpeculativeDecoder dec = new SpeculativeDecoder(t, d, DraftLengthPolicy.named("fixed", 3, null));
            NonFiniteLogitsException e = assertThrows(
                    NonFiniteLogitsException.class,
                    () -> dec.generate(
                            new GenerationRequest(PROMPT, 20, SamplingParams.greedy(), List.of(), false),
                            TokenListener.NONE));
            // the first token comes from the prompt's pass; the draft first runs after it
            assertEquals(message("draft nan.gguf", PROMPT.length + 1), e.getMessage());
        }
    }
}
