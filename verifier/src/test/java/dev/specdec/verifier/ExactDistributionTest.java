package dev.specdec.verifier;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specdec.draft.DraftMutants;
import dev.specdec.draft.DraftProposal;
import dev.specdec.draft.Drafter;
import dev.specdec.draft.FixedPolicy;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Rejection and block verification are exact, checked through the real {@link SpeculativeDecoder}
 * and drafters on real models: the first {@value #LENGTH} emitted tokens of N speculative
 * generations (seeds 0..N-1) are compared with the target's exact distribution over them, found by
 * {@link Enumeration} (the target run on every prefix of the support), by a Pearson chi-square test
 * with cells of expected count below 5 pooled, at alpha = {@value #ALPHA}. The seeds are fixed, so
 * a run is deterministic: a pass stays a pass.
 *
 * <p>Each case also checks its own power before sampling (so that nobody lowers N unknowingly), by
 * the non-central chi-square: the total-variation deviation, moved between the two most probable
 * sequences (the hardest cells to move mass between: non-centrality N delta^2 (1/p1 + 1/p2)), that
 * the test detects with probability 0.9 must be at most {@value #DELTA}. Measured with N = 4000:
 * 0.023 (sampled, k=2, k=4, k=12, top mode: 162 sequences, df 135), 0.025 (n-gram, df 43), 0.028
 * (EOS and stop string, df 38), 0.024 (prefix vocabulary, df 160), 0.019 (mild penalties, df 186).
 * The repeat-rate test (for history bugs, whose deviation sits in sequences that repeat a token)
 * must have power >= 0.9 against a change of the repeat rate by {@value #REPEAT_DELTA}; in the
 * mild-penalty case (rate 0.0102) it has power 0.9 against an absolute change of about 0.0075, and
 * the penalty-history mutant moves it to 0.029.
 *
 * <p>{@link MutantTest} shows that the classic bugs fail these tests.
 */
class ExactDistributionTest {
    static final int LENGTH = 3;
    static final double ALPHA = 0.001, DELTA = 0.03, REPEAT_DELTA = 0.02;
    static final String TARGET = "llama2-spm-d256-f32.gguf";

    @TempDir
    static Path dir;

    static boolean checkPower = true;
    static Path wideTarget; // llama2-spm-tiny with 8 extra tokens: the draft's vocabulary is a prefix of it

    @BeforeAll
    static void writeATargetWithMoreTokensThanItsDraft() throws IOException {
        wideTarget =
                TestModels.withExtraTokens(TestData.model("llama2-spm-tiny.gguf"), dir.resolve("tiny-520.gguf"), 8, 7);
    }

    /** Penalties over the draft tokens too, top-k, top-p, min-p and a logit bias, all at once. */
    static final SamplingParams EVERYTHING =
            new SamplingParams(1f, 6, 0.92f, 0.04f, 1.3f, 0.4f, 0.6f, 64, Map.of(30, 1.5f, 60, -1f, 99, 2f), 0);

    /**
     * One experiment.
     *
     * @param draft a draft model file, "top:" + file for its top-token mode, or "ngram"
     * @param stop  a stop string (null: none)
     */
    record Case(
            String name,
            String target,
            String draft,
            int k,
            SamplingParams sp,
            int[] prompt,
            int maxTokens,
            boolean stopAtEos,
            String stop,
            int n) {
        @Override
        public String toString() {
            return name;
        }

        Path targetFile() {
            return target.equals("wide") ? wideTarget : TestData.model(target);
        }
    }

    static final Case SAMPLED = new Case(
            "sampled q4_0 draft, k=4, every sampling parameter",
            TARGET,
            "llama2-spm-d256-q4_0.gguf",
            4,
            EVERYTHING,
            new int[] {1, 45, 96, 45},
            5,
            false,
            null,
            4000);
    /** k = 2 with 3 tokens: a fully accepted draft's bonus token is the third, inside the compared window. */
    static final Case SHORT = new Case(
            "sampled q4_0 draft, k=2, bonus token in the window",
            TARGET,
            "llama2-spm-d256-q4_0.gguf",
            2,
            EVERYTHING,
            new int[] {1, 45, 96, 45},
            3,
            false,
            null,
            4000);

    static final Case TOP = new Case(
            "top-token q2_k draft, k=3",
            TARGET,
            "top:llama2-spm-d256-q2_k.gguf",
            3,
            EVERYTHING,
            new int[] {1, 45, 96, 45},
            4,
            false,
            null,
            4000);
    static final Case NGRAM = new Case(
            "n-gram drafts, k=4",
            TARGET,
            "ngram",
            4,
            EVERYTHING,
            new int[] {1, 45, 96, 45, 96, 45, 96},
            5,
            false,
            null,
            4000);
    static final Case EOS = new Case(
            "EOS and a stop string mid-draft, k=5",
            TARGET,
            "llama2-spm-d256-q4_0.gguf",
            5,
            new SamplingParams(1f, 6, 0.95f, 0f, 1.2f, 0.2f, 0.3f, 64, Map.of(2, 3f), 0),
            new int[] {1, 45, 96},
            6,
            true,
            "-",
            4000);
    static final Case WIDE = new Case(
            "draft vocabulary a prefix of the target's, k=4",
            "wide",
            "llama2-spm-tiny.gguf",
            4,
            new SamplingParams(1f, 6, 0.95f, 0.02f, 1.2f, 0.2f, 0.3f, 64, Map.of(), 0),
            new int[] {1, 300, 301},
            5,
            false,
            null,
            4000);
    static final Case LONG = new Case(
            "sampled draft, k=12",
            TARGET,
            "llama2-spm-d256-q8_0.gguf",
            12,
            EVERYTHING,
            new int[] {1, 45, 96, 45},
            13,
            false,
            null,
            4000);

    /**
     * Mild penalties and no top-p / min-p: the target repeats a token in about one sequence in
     * twenty, so a history bug (penalties that miss the draft tokens) shows as a higher repeat rate
     * rather than as sequences outside the support.
     */
    static final Case REPEATS = new Case(
            "mild penalties, repeats possible, q8_0 draft, k=4",
            TARGET,
            "llama2-spm-d256-q8_0.gguf",
            4,
            new SamplingParams(1f, 8, 1f, 0f, 1.15f, 0.1f, 0f, 64, Map.of(), 0),
            new int[] {1, 45, 96, 45},
            5,
            false,
            null,
            4000);

    static Stream<Arguments> cases() {
        return Stream.concat(
                Stream.of(SAMPLED, SHORT, TOP, NGRAM, EOS, WIDE, LONG, REPEATS)
                        .flatMap(c ->
                                Stream.of(Arguments.of(c, VerifyMode.REJECTION), Arguments.of(c, VerifyMode.BLOCK))),
                // gumbel sampling is sampling too: across seeds its tokens follow p
                Stream.of(Arguments.of(SAMPLED, VerifyMode.GUMBEL)));
    }

    @ParameterizedTest(name = "{1}: {0}")
    @MethodSource("cases")
    void theFirstTokensFollowTheTargetsExactDistribution(Case c, VerifyMode mode) {
        Outcome o = run(c, mode, Mutant.NONE, false);
        assertTrue(
                o.gofP() > ALPHA,
                c + " / " + mode + ": deviates from the target's exact distribution, p = " + o.gofP());
        assertTrue(o.repeatP() > ALPHA, c + " / " + mode + ": repeat rate deviates, p = " + o.repeatP());
    }

    /** What one case gave: the goodness-of-fit and repeat-rate p-values. */
    record Outcome(double gofP, double repeatP, double expectedRepeat, double observedRepeat) {}

    static Drafter drafter(Case c, ModelWeights target, boolean topQAsSampled) {
        if (c.draft().equals("ngram")) return new PromptLookupDrafter(1, 3, DraftProposal.MAX_TOKENS);
        boolean top = c.draft().startsWith("top:");
        String file = top ? c.draft().substring(4) : c.draft();
        ModelWeights dw = ModelLoader.load(TestData.model(file));
        ModelDrafter d = ModelDrafter.create(
                        dw.newSession(256, 1, KvCache.Type.F32),
                        target.tokenizer(),
                        target.config().vocabSize(),
                        file,
                        top ? ModelDrafter.Mode.TOP_TOKEN : ModelDrafter.Mode.SAMPLED)
                .owning(dw);
        return topQAsSampled ? DraftMutants.topModeQAsSampled(d) : d;
    }

    /** Enumerates, checks the power of the design, samples N generations and tests them. */
    static Outcome run(Case c, VerifyMode mode, Mutant mutant, boolean topQAsSampled) {
        try (ModelWeights w = ModelLoader.load(c.targetFile())) {
            String stop = c.stop();
            Map<String, Double> exact = Enumeration.exact(w, c.prompt(), c.sp(), LENGTH, c.stopAtEos(), stop);
            if (checkPower) powerOf(c, exact);
            Map<String, Long> seen = new HashMap<>();
            try (Transformer t = w.newSession(256, 1, KvCache.Type.F32);
                    Drafter d = drafter(c, w, topQAsSampled)) {
                SpeculativeDecoder dec = new SpeculativeDecoder(t, d, new FixedPolicy(c.k()), mode).mutate(mutant);
                List<String> stops = stop == null ? List.of() : List.of(stop);
                for (int i = 0; i < c.n(); i++) {
                    GenerationResult r = dec.generate(
                            new GenerationRequest(c.prompt(), c.maxTokens(), c.sp().withSeed(i), stops, c.stopAtEos()),
                            TokenListener.NONE);
                    seen.merge(Enumeration.key(r.tokens(), LENGTH), 1L, Long::sum);
                }
            }
            return test(exact, seen, c.n());
        }
    }

    /**
     * The chi-square p-value (0 when a sequence outside the support was seen) and, independently,
     * the repeat-rate p-value: the share of generations whose first tokens repeat a token, against
     * the exact rate.
     */
    static Outcome test(Map<String, Double> exact, Map<String, Long> seen, int n) {
        boolean outside = false;
        long repeats = 0;
        for (var e : seen.entrySet()) {
            if (!exact.containsKey(e.getKey())) outside = true;
            if (Enumeration.repeats(e.getKey())) repeats += e.getValue();
        }
        long[] counts = new long[exact.size()];
        double[] probs = new double[exact.size()];
        double repeat = 0;
        int i = 0;
        for (var e : exact.entrySet()) {
            probs[i] = e.getValue();
            counts[i] = seen.getOrDefault(e.getKey(), 0L);
            if (Enumeration.repeats(e.getKey())) repeat += probs[i];
            i++;
        }
        double gof = outside ? 0 : Stats.chiSquarePValue(counts, probs);
        return new Outcome(gof, Stats.binomialPValue(repeats, n, repeat), repeat, (double) repeats / n);
    }

    /**
     * The design's power: the smallest total-variation deviation, moved between the two likeliest
     * sequences, that the chi-square test detects with probability 0.9 must be at most DELTA; the
     * repeat-rate test must detect a change of REPEAT_DELTA with probability 0.9. Returns the former.
     */
    static double powerOf(Case c, Map<String, Double> exact) {
        double[] top = exact.values().stream()
                .mapToDouble(Double::doubleValue)
                .sorted()
                .toArray();
        double p1 = top[top.length - 1], p2 = top[top.length - 2];
        int cells = 0;
        double pooled = 0;
        for (double p : top) {
            if (p * c.n() >= 5) cells++;
            else pooled += p;
        }
        if (pooled > 0) cells++;
        int df = cells - 1;
        double lo = 0, hi = Math.min(p1, 1 - p2);
        for (int i = 0; i < 40; i++) {
            double d = (lo + hi) / 2;
            if (Stats.chiSquarePower(df, c.n() * d * d * (1 / p1 + 1 / p2), ALPHA) < 0.9) lo = d;
            else hi = d;
        }
        double delta90 = hi;
        double r = exact.entrySet().stream()
                .filter(e -> Enumeration.repeats(e.getKey()))
                .mapToDouble(Map.Entry::getValue)
                .sum();
        double rp = Stats.binomialPower(c.n(), r, Math.min(1, r + REPEAT_DELTA), ALPHA);
        System.out.printf(
                "power %s: N %d, %d sequences, df %d; TV detected with power 0.9: %.4f (likeliest %.3f, %.3f); repeat rate %.4f, power against +%.2f: %.3f%n",
                c, c.n(), exact.size(), df, delta90, p1, p2, r, REPEAT_DELTA, rp);
        assertTrue(
                delta90 <= DELTA, c + ": the test detects only TV >= " + delta90 + " with power 0.9 (df " + df + ")");
        assertTrue(
                rp >= 0.9,
                c + ": the repeat test's power against +" + REPEAT_DELTA + " is only " + rp + " (rate " + r + ")");
        return delta90;
    }
}
