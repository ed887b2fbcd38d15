package dev.specdec.verifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specdec.draft.CostModel;
import dev.specdec.draft.DraftLengthPolicy;
import dev.specdec.draft.DraftProposal;
import dev.specdec.draft.Drafter;
import dev.specdec.draft.ModelDrafter;
import dev.specdec.draft.PromptLookupDrafter;
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
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Drafter-invariant (gumbel) verification: for a seed, the sampled text with speculation is the
 * plain sampled text, token for token, whatever the drafter (a quantized copy sampled or by its top
 * token, a worse quantization, n-gram lookup, a draft with a smaller vocabulary), k (1 to 64), the
 * policy (including the clock-driven adaptive one) and the sampling parameters; the plain run uses
 * one thread and the speculative runs two. Exact equality, so there is no statistics to be lucky in.
 */
class GumbelInvarianceTest {
    static final int MAX_TOKENS = 72;
    static final long[] SEEDS = {7, 4242};

    @TempDir
    static Path dir;

    static Path wideTarget;

    @BeforeAll
    static void writeATargetWithMoreTokensThanItsDraft() throws IOException {
        wideTarget =
                TestModels.withExtraTokens(TestData.model("llama2-spm-tiny.gguf"), dir.resolve("tiny-520.gguf"), 8, 7);
    }

    static final List<SamplingParams> PARAMS = List.of(
            SamplingParams.temperature(1f, 0),
            new SamplingParams(0.8f, 40, 0.9f, 0f, 1f, 0f, 0f, 64, Map.of(), 0),
            new SamplingParams(1f, 6, 0.92f, 0.04f, 1.3f, 0.4f, 0.6f, 64, Map.of(30, 1.5f, 60, -1f, 99, 2f), 0),
            new SamplingParams(1.5f, 0, 1f, 0.1f, 1.1f, 0.1f, 0f, -1, Map.of(5, 0.5f), 0));

    /**
     * k values for the fixed policy, then each other policy at k = 8. The long drafts (16, 64: a
     * mostly rejected 64-token draft costs 64 draft passes per target call) run for the first
     * parameters and seed only, to keep the test within seconds.
     */
    static final List<String> POLICIES = List.of(
            "fixed:1",
            "fixed:2",
            "fixed:4",
            "fixed:8",
            "heuristic:8",
            "confidence:8",
            "adaptive:8",
            "adaptive-deterministic:8");

    static final List<String> LONG_DRAFTS = List.of("fixed:16", "fixed:64");

    static Path file(String name) {
        return name.equals("wide") ? wideTarget : TestData.model(name);
    }

    static Drafter drafter(String spec, ModelWeights target) {
        if (spec.equals("ngram")) return new PromptLookupDrafter(1, 3, DraftProposal.MAX_TOKENS);
        boolean top = spec.startsWith("top:");
        String f = top ? spec.substring(4) : spec;
        ModelWeights dw = ModelLoader.load(TestData.model(f));
        return ModelDrafter.create(
                        dw.newSession(256, 1, KvCache.Type.F32),
                        target.tokenizer(),
                        target.config().vocabSize(),
                        f,
                        top ? ModelDrafter.Mode.TOP_TOKEN : ModelDrafter.Mode.SAMPLED)
                .owning(dw);
    }

    static int[] generate(
            ModelWeights w, Drafter d, String policy, int[] prompt, SamplingParams sp, int threads, Mutant mutant) {
        return generate(w, d, policy, prompt, sp, threads, mutant, MAX_TOKENS);
    }

    static int[] generate(
            ModelWeights w,
            Drafter d,
            String policy,
            int[] prompt,
            SamplingParams sp,
            int threads,
            Mutant mutant,
            int n) {
        String[] pk = policy.split(":");
        DraftLengthPolicy pol =
                d == null ? null : DraftLengthPolicy.named(pk[0], Integer.parseInt(pk[1]), CostModel.assumed());
        try (Transformer t = w.newSession(256, threads, KvCache.Type.F32)) {
            return new SpeculativeDecoder(t, d, pol, VerifyMode.GUMBEL)
                    .mutate(mutant)
                    .generate(new GenerationRequest(prompt, n, sp, List.of(), false), TokenListener.NONE)
                    .tokens();
        }
    }

    /**
     * The first (params, seed, policy) whose speculative output differs from the plain one, or null.
     * The drafter is reused across runs, as a session would.
     */
    static String firstDifference(String target, String draft, int[] prompt, Mutant mutant) {
        try (ModelWeights w = ModelLoader.load(file(target));
                Drafter d = drafter(draft, w)) {
            for (SamplingParams base : PARAMS) {
                for (long seed : SEEDS) {
                    boolean first = base == PARAMS.getFirst() && seed == SEEDS[0];
                    if (seed != SEEDS[0] && base != PARAMS.getFirst()) continue;
                    SamplingParams sp = base.withSeed(seed);
                    // 72 tokens leave room for a 64-token draft; the other combinations compare 40
                    int n = first ? MAX_TOKENS : 40;
                    int[] plain = generate(w, null, "fixed:1", prompt, sp, 1, mutant, n);
                    assertEquals(n, plain.length);
                    List<String> policies = new java.util.ArrayList<>(POLICIES);
                    if (first) policies.addAll(LONG_DRAFTS);
                    for (String policy : policies) {
                        int[] spec = generate(w, d, policy, prompt, sp, 2, mutant, n);
                        if (!Arrays.equals(plain, spec)) {
                            return target + " / " + draft + " / " + policy + " / " + sp + ":\n plain "
                                    + Arrays.toString(plain) + "\n spec  " + Arrays.toString(spec);
                        }
                    }
                }
            }
        }
        return null;
    }

    @ParameterizedTest(name = "{0} drafted by {1}")
    @CsvSource({
        "llama2-spm-d256-f32.gguf, llama2-spm-d256-q4_0.gguf",
        "llama2-spm-d256-f32.gguf, top:llama2-spm-d256-q4_0.gguf",
        "llama2-spm-d256-f32.gguf, ngram",
        "stories260K.gguf, stories260K.bin",
        "stories260K.gguf, ngram",
        "wide, llama2-spm-tiny.gguf"
    })
    void sampledSpeculativeOutputIsThePlainSampledOutput(String target, String draft) {
        int[] prompt = {1, 45, 96, 45, 96, 17};
        String diff = firstDifference(target, draft, prompt, Mutant.NONE);
        assertEquals(null, diff, "gumbel speculative output differs from plain");
    }

    /** Without speculation gumbel sampling is still sampling: another seed, another text; and greedy is untouched. */
    @Test
    void seedsMatterAndGreedyIsUnchanged() {
        try (ModelWeights w = ModelLoader.load(TestData.model("stories260K.gguf"))) {
            int[] prompt = {1, 400, 401};
            int[] a = generate(w, null, "fixed:1", prompt, SamplingParams.temperature(1f, 1), 1, Mutant.NONE);
            int[] b = generate(w, null, "fixed:1", prompt, SamplingParams.temperature(1f, 2), 1, Mutant.NONE);
            assertTrue(!Arrays.equals(a, b), "two seeds gave the same 72 tokens");
            int[] greedy = generate(w, null, "fixed:1", prompt, SamplingParams.greedy(), 1, Mutant.NONE);
            try (Transformer t = w.newSession(256, 1, KvCache.Type.F32)) {
                int[] rejection = new SpeculativeDecoder(t, null, null)
                        .generate(
                                new GenerationRequest(prompt, MAX_TOKENS, SamplingParams.greedy(), List.of(), false),
                                TokenListener.NONE)
                        .tokens();
                assertEquals(Arrays.toString(rejection), Arrays.toString(greedy));
            }
        }
    }
}
