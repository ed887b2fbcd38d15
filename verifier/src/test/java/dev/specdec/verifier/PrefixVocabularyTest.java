package dev.specdec.verifier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specdec.draft.DraftLengthPolicy;
import dev.specdec.draft.Drafter;
import dev.specdec.draft.ModelDrafter;
import dev.specdec.sampling.SamplingParams;
import dev.specdec.target.KvCache;
import dev.specdec.target.ModelLoader;
import dev.specdec.target.ModelWeights;
import dev.specdec.target.TestData;
import dev.specdec.target.TestModels;
import dev.specdec.target.Transformer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A draft whose vocabulary is a prefix of the target's, as in real pairs that differ only in
 * padding tokens at the end (Qwen2.5 0.5B / 7B): the target is a copy of llama2-spm-tiny (512
 * tokens) with 8 tokens "[PAD512]".."[PAD519]" appended, whose output rows are large enough that
 * the target emits them now and then; the draft is the original file. Speculative decoding used to
 * crash with "token id 51x out of range [0, 512)" as soon as such a token reached the draft.
 */
class PrefixVocabularyTest {
    static final Path DRAFT = TestData.model("llama2-spm-tiny.gguf");
    static final int EXTRA = 8;

    @TempDir
    static Path dir;

    static Path target;

    @BeforeAll
    static void writeATargetWithExtraTokens() throws IOException {
        target = dir.resolve("llama2-spm-tiny-520.gguf");
        TestModels.withExtraTokens(DRAFT, target, EXTRA, 7);
    }

    static Drafter draft(ModelWeights t, ModelDrafter.Mode mode) {
        ModelWeights dw = ModelLoader.load(DRAFT);
        return ModelDrafter.create(
                        dw.newSession(128, 1, KvCache.Type.F32),
                        t.tokenizer(),
                        t.config().vocabSize(),
                        "draft",
                        mode)
                .owning(dw);
    }

    static int[] generate(ModelWeights w, Drafter d, int[] prompt, int n, SamplingParams sp, int k) {
        try (Transformer t = w.newSession(128, 1, KvCache.Type.F32)) {
            return new SpeculativeDecoder(t, d, DraftLengthPolicy.named("fixed", k, null))
                    .generate(new GenerationRequest(prompt, n, sp, List.of(), false), TokenListener.NONE)
                    .tokens();
        }
    }

    @Test
    void greedySpeculativeEqualsPlainWhenTheTargetEmitsTokensTheDraftLacks() {
        try (ModelWeights w = ModelLoader.load(target)) {
            assertEquals(512 + EXTRA, w.config().vocabSize());
            // the prompt holds a token the draft lacks too
            int[] prompt = {1, 300, 515, 301, 302};
            int[] plain = generate(w, null, prompt, 40, SamplingParams.greedy(), 1);
            assertTrue(
                    Arrays.stream(plain).anyMatch(t -> t >= 512)
                            && Arrays.stream(plain).anyMatch(t -> t < 512),
                    "the target should emit both kinds of token: " + Arrays.toString(plain));
            for (ModelDrafter.Mode mode : ModelDrafter.Mode.values()) {
                for (int k : new int[] {1, 3, 6}) {
                    try (Drafter d = draft(w, mode)) {
                        assertArrayEquals(
                                plain, generate(w, d, prompt, 40, SamplingParams.greedy(), k), mode + " k=" + k);
                    }
                }
            }
        }
    }

    @Test
    void sampledSpeculativeRunsOverTheWholeTargetVocabulary() {
        try (ModelWeights w = ModelLoader.load(target);
                Drafter d = draft(w, ModelDrafter.Mode.SAMPLED)) {
            int beyond = 0;
            for (long seed = 0; seed < 4; seed++) {
                int[] out = generate(w, d, new int[] {1, 300, 301}, 30, SamplingParams.temperature(1f, seed), 4);
                assertEquals(30, out.length);
                for (int t : out) {
                    assertTrue(t >= 0 && t < 512 + EXTRA, "token " + t);
                    if (t >= 512) beyond++;
                }
            }
            assertTrue(beyond > 0, "the target should have sampled some of its extra tokens");
        }
    }
}
