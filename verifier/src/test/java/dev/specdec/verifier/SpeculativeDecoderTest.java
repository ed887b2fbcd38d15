package dev.specdec.verifier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specdec.draft.CostModel;
import dev.specdec.draft.DraftLengthPolicy;
import dev.specdec.draft.Drafter;
import dev.specdec.draft.IncompatibleVocabularyException;
import dev.specdec.draft.ModelDrafter;
import dev.specdec.draft.PromptLookupDrafter;
import dev.specdec.kernels.GgmlType;
import dev.specdec.sampling.Distribution;
import dev.specdec.sampling.SamplingParams;
import dev.specdec.target.Architecture;
import dev.specdec.target.KvCache;
import dev.specdec.target.ModelLoader;
import dev.specdec.target.ModelSynthesizer;
import dev.specdec.target.ModelWeights;
import dev.specdec.target.TestData;
import dev.specdec.target.Transformer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The decoding loop on real models: exactness, rollback, bad input. */
class SpeculativeDecoderTest {
    static Path wrongDraftFile;

    @BeforeAll
    static void synthesizeAnAlwaysWrongDraft() throws IOException {
        // random weights with the target's vocabulary: a draft that is almost never right
        wrongDraftFile = Files.createTempFile("wrong-draft", ".gguf");
        ModelSynthesizer.write(
                Architecture.LLAMA,
                ModelSynthesizer.shape("tiny"),
                GgmlType.F32,
                5,
                wrongDraftFile,
                TestData.model("llama2-spm-d256-f32.gguf"),
                true);
    }

    @AfterAll
    static void cleanUp() throws IOException {
        Files.deleteIfExists(wrongDraftFile);
    }

    static int[] plain(ModelWeights w, int[] prompt, int n, SamplingParams sp) {
        try (Transformer t = w.newSession(256, 2, KvCache.Type.F32)) {
            return new SpeculativeDecoder(t, null, null)
                    .generate(new GenerationRequest(prompt, n, sp, List.of(), false), TokenListener.NONE)
                    .tokens();
        }
    }

    /**
     * A draft session shorter than the target's context (the engine caps it at the draft's trained
     * context): past its end the draft proposes nothing, and a batch-aware policy asking what it must
     * catch up on gets nothing to catch up on rather than an index beyond the draft's buffers.
     */
    @Test
    void aDraftWithAShorterContextStopsDraftingAtItsEnd() {
        try (ModelWeights w = ModelLoader.load(TestData.model("stories260K.gguf"));
                Transformer t = w.newSession(256, 2, KvCache.Type.F32);
                ModelDrafter d = ModelDrafter.create(
                        w.newSession(32, 1, KvCache.Type.F32),
                        w.tokenizer(),
                        w.config().vocabSize(),
                        "short",
                        ModelDrafter.Mode.SAMPLED)) {
            int[] prompt = {1, 400, 401, 402, 403};
            int n = 80;
            // a loaded batch whose rows are nearly free, so the policy drafts and asks every step
            dev.specdec.draft.BatchLoad load = new dev.specdec.draft.BatchLoad() {
                @Override
                public double sequences() {
                    return 4;
                }

                @Override
                public double targetPassNanos(int rows) {
                    return 20e6 + 1e3 * rows;
                }

                @Override
                public double draftPassNanos(int rows) {
                    return 1e3 * rows;
                }
            };
            var policy = new dev.specdec.draft.BatchAwarePolicy(
                    new dev.specdec.draft.FixedPolicy(4), CostModel.assumed(), load);
            GenerationResult r = new SpeculativeDecoder(t, d, policy)
                    .generate(
                            new GenerationRequest(prompt, n, SamplingParams.greedy(), List.of(), false),
                            TokenListener.NONE);
            assertArrayEquals(plain(w, prompt, n, SamplingParams.greedy()), r.tokens());
            assertTrue(r.stats().draftTokens() > 0, "it drafted while the draft's context lasted");
            int[] context = new int[100];
            java.util.Arrays.fill(context, 400);
            assertEquals(0, d.catchUp(context, 100), "beyond the draft's context there is nothing to catch up on");
        }
    }

    static Drafter randomDrafter(Path file, ModelWeights target) {
        ModelWeights dw = ModelLoader.load(file);
        return ModelDrafter.create(
                        dw.newSession(256, 1, KvCache.Type.F32),
                        target.tokenizer(),
                        target.config().vocabSize(),
                        "random",
                        ModelDrafter.Mode.SAMPLED)
                .owning(dw);
    }

    static Drafter drafter(String draft, ModelWeights target) {
        if (draft.equals("ngram")) return new PromptLookupDrafter(1, 3, 16);
        Path p = draft.equals("wrong") ? wrongDraftFile : TestData.model(draft);
        ModelWeights dw = ModelLoader.load(p);
        return ModelDrafter.create(
                        dw.newSession(256, 1, KvCache.Type.F32),
                        target.tokenizer(),
                        target.config().vocabSize(),
                        draft,
                        ModelDrafter.Mode.SAMPLED)
                .owning(dw);
    }

    @ParameterizedTest(name = "{0} drafted by {1}")
    @CsvSource({
        "llama2-spm-d256-f32.gguf, llama2-spm-d256-q4_0.gguf",
        "llama2-spm-d256-q8_0.gguf, llama2-spm-d256-q2_k.gguf",
        "llama2-spm-d256-f16.gguf, ngram",
        "llama2-spm-d256-f32.gguf, wrong",
        "stories260K.gguf, stories260K.bin",
        "stories260K.gguf, ngram",
        "qwen2-bpe-tiny.gguf, ngram",
        "gemma2-spm-tiny.gguf, ngram",
        "phi3-spm-tiny.gguf, ngram",
        "llama3-bpe-gqa-tiny.gguf, ngram",
        "gemma-spm-tiny.gguf, ngram"
    })
    void greedySpeculativeEqualsGreedyPlain(String targetFile, String draft) {
        try (ModelWeights w = ModelLoader.load(TestData.model(targetFile))) {
            int[] prompt = {1, 5, 9, 5, 9, 5, 9, 17, 23};
            SamplingParams sp = SamplingParams.greedy();
            int n = 40;
            int[] expected = plain(w, prompt, n, sp);
            assertEquals(n, expected.length);
            for (String policy : new String[] {"fixed", "heuristic", "confidence", "adaptive"}) {
                for (int k = 1; k <= 8; k += policy.equals("fixed") ? 1 : 3) {
                    try (Transformer t = w.newSession(256, 2, KvCache.Type.F32);
                            Drafter d = drafter(draft, w)) {
                        DraftLengthPolicy pol = DraftLengthPolicy.named(policy, k, CostModel.assumed());
                        GenerationResult r = new SpeculativeDecoder(t, d, pol)
                                .generate(new GenerationRequest(prompt, n, sp, List.of(), false), TokenListener.NONE);
                        assertArrayEquals(
                                expected, r.tokens(), targetFile + " / " + draft + " / " + policy + " k=" + k);
                        assertTrue(r.stats().targetCalls() <= n);
                    }
                }
            }
        }
    }

    /** Every model of the test data, drafted by n-gram lookup and by a random model with its vocabulary. */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(
            strings = {
                "llama2-spm-tiny.gguf",
                "llama3-bpe-gqa-tiny.gguf",
                "qwen2-bpe-tiny.gguf",
                "gemma-spm-tiny.gguf",
                "gemma2-spm-tiny.gguf",
                "phi3-spm-tiny.gguf",
                "stories260K.gguf",
                "stories260K.bin",
                "llama2-spm-d256-f32.gguf",
                "llama2-spm-d256-f16.gguf",
                "llama2-spm-d256-q8_0.gguf",
                "llama2-spm-d256-q4_0.gguf",
                "llama2-spm-d256-q4_1.gguf",
                "llama2-spm-d256-q5_0.gguf",
                "llama2-spm-d256-q5_1.gguf",
                "llama2-spm-d256-q2_k.gguf",
                "llama2-spm-d256-q3_k_m.gguf",
                "llama2-spm-d256-q4_k_m.gguf",
                "llama2-spm-d256-q5_k_m.gguf",
                "llama2-spm-d256-q6_k.gguf"
            })
    void greedyExactForEveryTestModel(String targetFile) throws IOException {
        Path vocabSource = TestData.model(targetFile.endsWith(".bin") ? "stories260K.gguf" : targetFile);
        Path randomDraft = Files.createTempFile("draft", ".gguf");
        try (ModelWeights w = ModelLoader.load(TestData.model(targetFile))) {
            ModelSynthesizer.write(
                    Architecture.LLAMA,
                    ModelSynthesizer.shape("tiny"),
                    GgmlType.F32,
                    11,
                    randomDraft,
                    vocabSource,
                    true);
            int vocab = w.config().vocabSize();
            int[] prompt = {1 % vocab, 17, 29, 17, 29, 41, 17, 29};
            int[] expected = plain(w, prompt, 32, SamplingParams.greedy());
            for (String policy : new String[] {"fixed", "heuristic", "confidence", "adaptive"}) {
                for (int k : policy.equals("fixed") ? new int[] {1, 3, 8} : new int[] {4}) {
                    for (boolean ngram : new boolean[] {true, false}) {
                        try (Transformer t = w.newSession(256, 2, KvCache.Type.F32);
                                Drafter d = ngram ? new PromptLookupDrafter(1, 3, 16) : randomDrafter(randomDraft, w)) {
                            GenerationResult r = new SpeculativeDecoder(
                                            t, d, DraftLengthPolicy.named(policy, k, CostModel.assumed()))
                                    .generate(
                                            new GenerationRequest(
                                                    prompt, 32, SamplingParams.greedy(), List.of(), false),
                                            TokenListener.NONE);
                            assertArrayEquals(
                                    expected,
                                    r.tokens(),
                                    targetFile + " / " + (ngram ? "ngram" : "random draft") + " / " + policy + " k="
                                            + k);
                        }
                    }
                }
            }
        } finally {
            Files.deleteIfExists(randomDraft);
        }
    }

    @Test
    void aGoodDraftSavesTargetCallsAndABadOneDoesNot() {
        try (ModelWeights w = ModelLoader.load(TestData.model("llama2-spm-d256-f32.gguf"))) {
            int[] prompt = {1, 5, 9, 17, 23};
            long good, bad;
            try (Transformer t = w.newSession(256, 2, KvCache.Type.F32);
                    Drafter d = drafter("llama2-spm-d256-q8_0.gguf", w)) {
                good = new SpeculativeDecoder(t, d, DraftLengthPolicy.named("fixed", 4, null))
                        .generate(
                                new GenerationRequest(prompt, 40, SamplingParams.greedy(), List.of(), false),
                                TokenListener.NONE)
                        .stats()
                        .targetCalls();
            }
            try (Transformer t = w.newSession(256, 2, KvCache.Type.F32);
                    Drafter d = drafter("wrong", w)) {
                bad = new SpeculativeDecoder(t, d, DraftLengthPolicy.named("fixed", 4, null))
                        .generate(
                                new GenerationRequest(prompt, 40, SamplingParams.greedy(), List.of(), false),
                                TokenListener.NONE)
                        .stats()
                        .targetCalls();
            }
            assertTrue(
                    good < 20, "a Q8_0 copy of the target should be accepted mostly: " + good + " calls for 40 tokens");
            assertTrue(bad > 30, "a random draft should be rejected mostly: " + bad + " calls for 40 tokens");
        }
    }

    /**
     * Sampling on a real model: the first two emitted tokens of speculative generations (the target
     * drafted by its own Q4_0 copy, temperature 1 with top-k 6, so the joint has 36 cells) follow the
     * target's exact joint distribution, computed from its logits. N = 6000 generations detect a
     * total-variation error of about 0.03 (non-centrality 6000 * 2 * 0.03^2 * 36 = 389 against a
     * critical value of 66.6 at alpha 0.001, df 35).
     */
    @Test
    void sampledSpeculativeOutputFollowsTheTargetDistribution() {
        SamplingParams base = new SamplingParams(1f, 6, 1f, 0f, 1f, 0f, 0f, 64, Map.of(), 0);
        try (ModelWeights w = ModelLoader.load(TestData.model("llama2-spm-d256-f32.gguf"));
                Transformer t = w.newSession(64, 1, KvCache.Type.F32);
                Drafter d = drafter("llama2-spm-d256-q4_0.gguf", w)) {
            int vocab = w.config().vocabSize();
            int[] prompt = {1, 45, 96};
            // the exact joint from the target's logits
            Distribution dist = new Distribution(vocab);
            float[][] row = {new float[vocab]};
            float[] p1 = new float[vocab], p2 = new float[vocab];
            t.forward(prompt, 3, 0, new float[][] {null, null, row[0]});
            dist.compute(row[0], base, prompt, 3, p1);
            int[] support = new int[6];
            int s = 0;
            for (int i = 0; i < vocab; i++) if (p1[i] > 0) support[s++] = i;
            double[][] joint = new double[6][];
            java.util.Map<Integer, float[]> second = new java.util.HashMap<>();
            for (int a = 0; a < 6; a++) {
                t.truncate(3);
                t.forward(new int[] {support[a]}, 1, 3, row);
                dist.compute(row[0], base, new int[] {prompt[0], prompt[1], prompt[2], support[a]}, 4, p2);
                second.put(support[a], p2.clone());
            }
            java.util.List<Integer> cells = new java.util.ArrayList<>();
            java.util.List<Double> probs = new java.util.ArrayList<>();
            for (int a : support) {
                float[] pb = second.get(a);
                for (int b = 0; b < vocab; b++)
                    if (pb[b] > 0) {
                        cells.add(a * vocab + b);
                        probs.add((double) p1[a] * pb[b]);
                    }
            }
            long[] counts = new long[cells.size()];
            int n = 6000;
            SpeculativeDecoder dec = new SpeculativeDecoder(t, d, DraftLengthPolicy.named("fixed", 3, null));
            for (int i = 0; i < n; i++) {
                int[] out = dec.generate(
                                new GenerationRequest(prompt, 2, base.withSeed(1000 + i), List.of(), false),
                                TokenListener.NONE)
                        .tokens();
                int cell = cells.indexOf(out[0] * vocab + out[1]);
                assertTrue(cell >= 0, "emitted a pair outside the target's support: " + out[0] + " " + out[1]);
                counts[cell]++;
            }
            double[] e = probs.stream().mapToDouble(Double::doubleValue).toArray();
            double pv = Stats.chiSquarePValue(counts, e);
            assertTrue(pv > 0.001, "speculative sampling deviates from the target, p = " + pv);
        }
    }

    @Test
    void continuingAfterRollbacksEqualsAFreshRun() {
        // a long generation full of accept/reject patterns, then the same generation resumed from the middle
        try (ModelWeights w = ModelLoader.load(TestData.model("stories260K.gguf"))) {
            int[] prompt = {1, 400, 401, 402};
            int[] full = plain(w, prompt, 50, SamplingParams.greedy());
            int[] resumedPrompt = new int[prompt.length + 25];
            System.arraycopy(prompt, 0, resumedPrompt, 0, prompt.length);
            System.arraycopy(full, 0, resumedPrompt, prompt.length, 25);
            try (Transformer t = w.newSession(256, 2, KvCache.Type.F32);
                    Drafter d = drafter("ngram", w)) {
                SpeculativeDecoder dec = new SpeculativeDecoder(t, d, DraftLengthPolicy.named("heuristic", 3, null));
                int[] rest = dec.generate(
                                new GenerationRequest(resumedPrompt, 25, SamplingParams.greedy(), List.of(), false),
                                TokenListener.NONE)
                        .tokens();
                assertArrayEquals(java.util.Arrays.copyOfRange(full, 25, 50), rest);
            }
        }
    }

    @Test
    void aSecondGenerationReusesTheCommonPrefixAndGivesTheSameTokens() {
        try (ModelWeights w = ModelLoader.load(TestData.model("stories260K.gguf"))) {
            int[] first = {1, 400, 401, 402, 403};
            int[] out1;
            try (CountingModel t = new CountingModel(w.newSession(256, 2, KvCache.Type.F32))) {
                SpeculativeDecoder dec = new SpeculativeDecoder(t, null, null);
                out1 = dec.generate(
                                new GenerationRequest(first, 10, SamplingParams.greedy(), List.of(), false),
                                TokenListener.NONE)
                        .tokens();
                // a follow-up turn: the first prompt, the reply, and more tokens
                int[] second = new int[first.length + out1.length + 3];
                System.arraycopy(first, 0, second, 0, first.length);
                System.arraycopy(out1, 0, second, first.length, out1.length);
                second[second.length - 3] = 7;
                second[second.length - 2] = 8;
                second[second.length - 1] = 9;
                int callsBefore = t.forwardCounts.size();
                GenerationResult reused = dec.generate(
                        new GenerationRequest(second, 12, SamplingParams.greedy(), List.of(), false),
                        TokenListener.NONE);
                // the cache holds the first turn (its prompt and all but the last reply token), so the
                // prompt pass runs only that token and the 3 new ones, not all second.length = 18
                int promptPass = t.forwardCounts.get(callsBefore);
                assertEquals(
                        4,
                        promptPass,
                        "the second turn recomputed its prompt: "
                                + t.forwardCounts.subList(callsBefore, t.forwardCounts.size()));
                // and then one token per generated token after the first (which the prompt pass gave):
                // nothing else was recomputed
                assertEquals(
                        promptPass + 11,
                        t.forwardCounts.subList(callsBefore, t.forwardCounts.size()).stream()
                                .mapToInt(Integer::intValue)
                                .sum());
                int[] fresh = plain(w, second, 12, SamplingParams.greedy());
                assertArrayEquals(fresh, reused.tokens());
                // and a prompt that diverges early still gives the fresh result
                int[] other = {1, 400, 77, 78};
                assertArrayEquals(
                        plain(w, other, 8, SamplingParams.greedy()),
                        dec.generate(
                                        new GenerationRequest(other, 8, SamplingParams.greedy(), List.of(), false),
                                        TokenListener.NONE)
                                .tokens());
            }
        }
    }

    @Test
    void badInputGivesClearErrors() {
        assertThrows(IllegalArgumentException.class, () -> DraftLengthPolicy.named("fixed", 0, null));
        assertThrows(IllegalArgumentException.class, () -> DraftLengthPolicy.named("fixed", 65, null));
        assertThrows(IllegalArgumentException.class, () -> DraftLengthPolicy.named("bogus", 4, null));
        IllegalArgumentException empty = assertThrows(
                IllegalArgumentException.class, () -> new GenerationRequest(new int[0], 5, SamplingParams.greedy()));
        assertTrue(empty.getMessage().contains("empty"));
        try (ModelWeights w = ModelLoader.load(TestData.model("llama2-spm-tiny.gguf"));
                ModelWeights other = ModelLoader.load(TestData.model("gemma-spm-tiny.gguf"));
                Transformer t = w.newSession(16, 1, KvCache.Type.F32)) {
            IllegalArgumentException tooLong = assertThrows(
                    IllegalArgumentException.class,
                    () -> new SpeculativeDecoder(t, null, null)
                            .generate(
                                    new GenerationRequest(new int[20], 4, SamplingParams.greedy()),
                                    TokenListener.NONE));
            assertTrue(tooLong.getMessage().contains("context"), tooLong.getMessage());
            IncompatibleVocabularyException e = assertThrows(
                    IncompatibleVocabularyException.class,
                    () -> ModelDrafter.create(
                            other.newSession(16, 1, KvCache.Type.F32),
                            w.tokenizer(),
                            w.config().vocabSize(),
                            "stories",
                            ModelDrafter.Mode.SAMPLED));
            assertTrue(e.getMessage().contains("token id"), e.getMessage());
        }
    }

    @Test
    void stopsAtStopStringsAndEndOfGeneration() {
        try (ModelWeights w = ModelLoader.load(TestData.model("stories260K.gguf"));
                Transformer t = w.newSession(256, 2, KvCache.Type.F32)) {
            int[] prompt = {1, 400, 401, 402};
            SpeculativeDecoder dec = new SpeculativeDecoder(t, null, null);
            GenerationResult all = dec.generate(
                    new GenerationRequest(prompt, 30, SamplingParams.greedy(), List.of(), false), TokenListener.NONE);
            String text = all.text();
            assertTrue(text.length() > 6, text);
            String stop = text.substring(3, 6);
            StringBuilder streamed = new StringBuilder();
            GenerationResult cut = dec.generate(
                    new GenerationRequest(prompt, 30, SamplingParams.greedy(), List.of(stop), false),
                    (tok, s) -> streamed.append(s));
            assertEquals(StopReason.STOP_STRING, cut.stopReason());
            assertEquals(text.substring(0, text.indexOf(stop)), cut.text());
            assertEquals(cut.text(), streamed.toString());
        }
    }
}
