package dev.specdec.cli;

import dev.specdec.engine.Engine;
import dev.specdec.engine.Request;
import dev.specdec.engine.Result;
import dev.specdec.engine.Session;
import dev.specdec.engine.Speculation;
import dev.specdec.engine.TokenStream;
import dev.specdec.kernels.GgmlType;
import dev.specdec.sampling.SamplingParams;
import dev.specdec.target.Architecture;
import dev.specdec.target.ModelSynthesizer;
import dev.specdec.verifier.DecodeStats;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Plain and speculative decoding side by side. */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description =
                "Run plain and speculative decoding side by side and print a table. Without --target it builds (once, "
                        + "cached) a synthetic RANDOM-WEIGHT target/draft pair: the text is meaningless, the speeds are real.")
final class DemoCommand implements Callable<Integer> {
    /** Residual scale of the target's layers past the draft's two: how closely the pair agrees. */
    static final double DEEP_SCALE = Double.parseDouble(System.getProperty("specdec.demo.deepScale", "0.01"));

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(
            names = {"-m", "--model"},
            description = "Target model (default: the cached synthetic target).")
    Path target;

    @Option(names = "--target", hidden = true, description = "Old spelling of --model.")
    void oldTarget(Path p) {
        target = p;
    }

    @Option(
            names = {"-p", "--prompt"},
            defaultValue = "Once upon a time, in a small village by the sea,",
            description = "Prompt (default: ${DEFAULT-VALUE}).")
    String prompt;

    @Option(
            names = {"-n", "--max-tokens"},
            defaultValue = "64",
            description = "Tokens per run (default: ${DEFAULT-VALUE}).")
    int n;

    @Option(names = "--temperature", defaultValue = "0", description = "0 = greedy (default: ${DEFAULT-VALUE}).")
    float temperature;

    @Option(
            names = "--reps",
            defaultValue = "2",
            description = "Interleaved repetitions of each mode (default: ${DEFAULT-VALUE}).")
    int reps;

    @Option(names = "--cache-dir", description = "Where the synthetic pair is kept (default: ~/.cache/specdec/demo).")
    Path cacheDir;

    @Mixin
    ModelOptions mo;
    // --draft (default here: the cached synthetic draft), -k, --policy, --draft-mode: the same flags as generate's
    @Mixin
    DraftOptions dro;

    /** One synthetic model, with a progress bar: the 1B target takes minutes on a small machine. */
    private static void synthesize(
            PrintWriter err, String phase, ModelSynthesizer.Shape shape, Path file, ModelSynthesizer.Options o)
            throws java.io.IOException {
        var w = ModelSynthesizer.writer(Architecture.LLAMA, shape, GgmlType.Q4_0, 7, o);
        try (Progress p = Progress.start(err, phase, w.tensorBytes(), Progress.Unit.MB)) {
            w.write(file, false, (done, total) -> p.stepTo(done));
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        mo.check();
        DraftOptions.checkKAndPolicy(spec, dro.k, dro.policy);
        Usage.require(spec, n >= 1, "-n must be >= 1, got " + n);
        Usage.require(spec, reps >= 1, "--reps must be >= 1, got " + reps);
        Usage.require(spec, temperature >= 0, "--temperature must be >= 0, got " + temperature);
        boolean synthetic = target == null;
        Usage.require(
                spec,
                !synthetic || dro.draft == null || dro.draft.equals("ngram"),
                "--draft needs --model (or neither)");
        Usage.require(spec, !(target != null && dro.draft == null), "--model needs --draft FILE or --draft ngram");
        if (synthetic) {
            Path dir =
                    cacheDir != null ? cacheDir : Path.of(System.getProperty("user.home"), ".cache", "specdec", "demo");
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
                var ds = new ModelSynthesizer.Shape(
                        "1b-2layer",
                        shape.dim(),
                        2,
                        shape.heads(),
                        shape.kvHeads(),
                        shape.ffn(),
                        shape.vocab(),
                        shape.context());
                synthesize(err, "synthesizing the draft", ds, d, pair);
            }
            if (dro.draft == null) dro.draft = d.toString();
        }
        SamplingParams sp = SamplingParams.temperature(temperature, 1234);
        Engine.Builder b = dro.applyTo(mo.engine(target)).sampling(sp);
        Speculation spec = dro.speculation();
        try (Engine engine = b.build();
                Session session = engine.newSession()) {
            if (engine.tokenizer() == null)
                throw new IllegalArgumentException(target + " has no vocabulary; use a GGUF target");
            String draftName =
                    dro.draftFile() != null ? dro.draftFile().getFileName().toString() : "ngram";
            err.printf(
                    "target %s, draft %s, %d threads, prompt %d tokens, %d new tokens, %s, %s k=%d%s%n",
                    target.getFileName(),
                    draftName,
                    engine.threads(),
                    engine.encode(prompt).length,
                    n,
                    temperature == 0 ? "greedy" : "temperature " + temperature,
                    dro.policy,
                    dro.k,
                    synthetic ? "  [RANDOM WEIGHTS: meaningless text, real speed]" : "");
            Request plainReq = Request.text(prompt)
                    .maxTokens(n)
                    .ignoreEndOfGeneration()
                    .speculation(Speculation.OFF)
                    .build();
            Request specReq = Request.text(prompt)
                    .maxTokens(n)
                    .ignoreEndOfGeneration()
                    .speculation(spec)
                    .build();
            DecodeStats plainStats = null, specStats = null;
            double plainTps = 0, specTps = 0;
            int[] plainTokens = null, specTokens = null;
            try (Progress p =
                    Progress.start(err, "decoding, plain and speculative", 2L * reps * n, Progress.Unit.of("tokens"))) {
                TokenStream counted = (tok, text) -> p.step(); // an atomic add per token: timing does not notice
                for (int r = 0; r < reps; r++) { // interleaved, so drift hits both alike
                    Result a = session.generate(plainReq, counted);
                    Result c = session.generate(specReq, counted);
                    plainTps += a.stats().tokensPerSecond() / reps;
                    specTps += c.stats().tokensPerSecond() / reps;
                    plainStats = a.stats();
                    specStats = c.stats();
                    plainTokens = a.tokens();
                    specTokens = c.tokens();
                }
            }
            out.println();
            out.println("| mode | tokens/s | speedup | acceptance | mean accepted | tokens/target call |");
            out.println("|---|---|---|---|---|---|");
            out.printf("| plain | %.2f | 1.00x | - | - | %.2f |%n", plainTps, plainStats.tokensPerTargetCall());
            out.printf(
                    "| speculative (%s, %s k=%d) | %.2f | %.2fx | %.1f%% | %.2f | %.2f |%n",
                    draftName,
                    dro.policy,
                    dro.k,
                    specTps,
                    specTps / plainTps,
                    100 * specStats.acceptanceRate(),
                    specStats.meanAcceptedLength(),
                    specStats.tokensPerTargetCall());
            out.println();
            if (temperature == 0) {
                out.println("greedy outputs identical: "
                        + (Arrays.equals(plainTokens, specTokens) ? "yes" : "NO (this is a bug: please report it)"));
            }
            out.println("text: " + engine.decode(specTokens).replace("\n", "\\n"));
        }
        out.flush();
        return 0;
    }
}
