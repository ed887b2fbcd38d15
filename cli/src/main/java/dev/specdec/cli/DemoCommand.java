package dev.specdec.cli;

import dev.specdec.draft.Drafter;
import dev.specdec.kernels.GgmlType;
import dev.specdec.sampling.SamplingParams;
import dev.specdec.target.Architecture;
import dev.specdec.target.ModelSynthesizer;
import dev.specdec.target.LanguageModel;
import dev.specdec.target.ModelWeights;
import dev.specdec.target.Transformer;
import dev.specdec.verifier.DecodeStats;
import dev.specdec.verifier.GenerationRequest;
import dev.specdec.verifier.GenerationResult;
import dev.specdec.verifier.SpeculativeDecoder;
import dev.specdec.verifier.TokenListener;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Plain and speculative decoding side by side. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run plain and speculative decoding side by side and print a table. Without --target it builds (once, "
                + "cached) a synthetic RANDOM-WEIGHT target/draft pair: the text is meaningless, the speeds are real.")
final class DemoCommand implements Callable<Integer> {
    /** Residual scale of the target's layers past the draft's two: how closely the pair agrees. */
    static final double DEEP_SCALE = Double.parseDouble(System.getProperty("specdec.demo.deepScale", "0.01"));

    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Option(names = "--target", description = "Target model (default: the cached synthetic target).") Path target;
    @Option(names = "--draft", description = "Draft model or 'ngram' (default: the cached synthetic draft).") String draft;
    @Option(names = {"-p", "--prompt"}, defaultValue = "Once upon a time, in a small village by the sea,", description = "Prompt (default: ${DEFAULT-VALUE}).") String prompt;
    @Option(names = {"-n", "--max-tokens"}, defaultValue = "64", description = "Tokens per run (default: ${DEFAULT-VALUE}).") int n;
    // 4: measured best with 3 and 5 for the demo pair on 2-core CPUs (README, the demo section)
    @Option(names = "-k", defaultValue = "4", description = "Draft tokens per step (default: ${DEFAULT-VALUE}).") int k;
    @Option(names = "--policy", defaultValue = "fixed", description = "fixed, heuristic, confidence, adaptive (default: ${DEFAULT-VALUE}).") String policy;
    @Option(names = "--temperature", defaultValue = "0", description = "0 = greedy (default: ${DEFAULT-VALUE}).") float temperature;
    @Option(names = "--reps", defaultValue = "2", description = "Interleaved repetitions of each mode (default: ${DEFAULT-VALUE}).") int reps;
    @Option(names = "--cache-dir", description = "Where the synthetic pair is kept (default: ~/.cache/specdec/demo).") Path cacheDir;
    @Mixin ModelOptions mo;

    /** One synthetic model, with a progress bar: the 1B target takes minutes on a small machine. */
    private static void synthesize(PrintWriter err, String phase, ModelSynthesizer.Shape shape, Path file, ModelSynthesizer.Options o)
            throws java.io.IOException {
        var w = ModelSynthesizer.writer(Architecture.LLAMA, shape, GgmlType.Q4_0, 7, o);
        try (Progress p = Progress.start(err, phase, w.tensorBytes(), Progress.Unit.MB)) {
            w.write(file, false, (done, total) -> p.stepTo(done));
        }
    }

    @Override public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        mo.check();
        DraftOptions.checkKAndPolicy(spec, k, policy);
        Usage.require(spec, n >= 1, "-n must be >= 1, got " + n);
        Usage.require(spec, reps >= 1, "--reps must be >= 1, got " + reps);
        Usage.require(spec, temperature >= 0, "--temperature must be >= 0, got " + temperature);
        boolean synthetic = target == null;
        Usage.require(spec, !synthetic || draft == null || draft.equals("ngram"), "--draft needs --target (or neither)");
        Usage.require(spec, !(target != null && draft == null), "--target needs --draft FILE or --draft ngram");
        if (synthetic) {
            Path dir = cacheDir != null ? cacheDir : Path.of(System.getProperty("user.home"), ".cache", "specdec", "demo");
            Files.createDirectories(dir);
            String tag = "-s" + DEEP_SCALE;
            target = dir.resolve("synthetic-target-1b-q4_0" + tag + ".gguf");
            Path d = dir.resolve("synthetic-draft-2layer-q4_0" + tag + ".gguf");
            var shape = ModelSynthesizer.shape("1b");
            // the deep layers of the target add small residual updates, so its first 2 layers (the
            // draft) agree with it often: a stand-in for a trained pair, clearly not one
            var pair = ModelSynthesizer.Options.DEFAULT.withDeepLayers(2, DEEP_SCALE);
            if (!Files.exists(target)) {
                err.println("a random-weight 1B-shape target and its 2-layer draft are made once, in " + dir);
                synthesize(err, "synthesizing the target", shape, target, pair);
            }
            if (!Files.exists(d)) {
                var ds = new ModelSynthesizer.Shape("1b-2layer", shape.dim(), 2, shape.heads(), shape.kvHeads(), shape.ffn(), shape.vocab(), shape.context());
                synthesize(err, "synthesizing the draft", ds, d, pair);
            }
            if (draft == null) draft = d.toString();
        }
        DraftOptions dro = new DraftOptions();
        dro.draft = draft;
        dro.k = k;
        dro.policy = policy;
        dro.mode = "sampled";
        dro.ngramMin = 1;
        dro.ngramMax = 3;
        SamplingParams sp = new SamplingParams(temperature, 0, 1f, 0f, 1f, 0f, 0f, 64, java.util.Map.of(), 1234);
        try (ModelWeights w = mo.load(target); LanguageModel t = mo.session(w); Drafter d = dro.create(w, mo)) {
            if (w.tokenizer() == null) throw new IllegalArgumentException(target + " has no vocabulary; use a GGUF target");
            int[] ids = w.tokenizer().encode(prompt, true, false);
            err.printf("target %s, draft %s, %d threads, prompt %d tokens, %d new tokens, %s, %s k=%d%s%n", target.getFileName(), d.name(),
                    mo.threads(), ids.length, n, temperature == 0 ? "greedy" : "temperature " + temperature, policy, k,
                    synthetic ? "  [RANDOM WEIGHTS: meaningless text, real speed]" : "");
            GenerationRequest req = new GenerationRequest(ids, n, sp, List.of(), false);
            DecodeStats plainStats = null, specStats = null;
            double plainTps = 0, specTps = 0;
            int[] plainTokens = null, specTokens = null;
            try (Progress p = Progress.start(err, "decoding, plain and speculative", 2L * reps * n, Progress.Unit.of("tokens"))) {
                TokenListener counted = (tok, text) -> { if (tok >= 0) p.step(); };   // an atomic add per token: timing does not notice
                for (int r = 0; r < reps; r++) {   // interleaved, so drift hits both alike
                    GenerationResult a = new SpeculativeDecoder(t, null, null).generate(req, counted);
                    GenerationResult b = new SpeculativeDecoder(t, d, dro.policy(target, mo)).generate(req, counted);
                    plainTps += a.stats().tokensPerSecond() / reps;
                    specTps += b.stats().tokensPerSecond() / reps;
                    plainStats = a.stats();
                    specStats = b.stats();
                    plainTokens = a.tokens();
                    specTokens = b.tokens();
                }
            }
            out.println();
            out.println("| mode | tokens/s | speedup | acceptance | mean accepted | tokens/target call |");
            out.println("|---|---|---|---|---|---|");
            out.printf("| plain | %.2f | 1.00x | - | - | %.2f |%n", plainTps, plainStats.tokensPerTargetCall());
            out.printf("| speculative (%s, %s k=%d) | %.2f | %.2fx | %.1f%% | %.2f | %.2f |%n", d.name(), policy, k, specTps, specTps / plainTps,
                    100 * specStats.acceptanceRate(), specStats.meanAcceptedLength(), specStats.tokensPerTargetCall());
            out.println();
            if (temperature == 0) {
                out.println("greedy outputs identical: " + (Arrays.equals(plainTokens, specTokens) ? "yes" : "NO (this is a bug: please report it)"));
            }
            out.println("text: " + w.tokenizer().decode(specTokens).replace("\n", "\\n"));
        }
        out.flush();
        return 0;
    }
}
