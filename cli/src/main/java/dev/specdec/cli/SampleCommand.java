package dev.specdec.cli;

import dev.specdec.draft.Drafter;
import dev.specdec.target.LanguageModel;
import dev.specdec.verifier.GenerationRequest;
import dev.specdec.verifier.SpeculativeDecoder;
import dev.specdec.verifier.TokenListener;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Many independent generations in one process, for checking distributions from outside. */
@Command(name = "sample", mixinStandardHelpOptions = true,
        description = "Run C independent generations (seeds S, S+1, ...) and print each as one line of space-separated token ids.")
final class SampleCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, description = "Target model.") Path model;
    @Option(names = "--prompt-tokens", required = true, description = "Prompt token ids, e.g. 1,2,3.") String promptTokens;
    @Option(names = {"-n", "--max-tokens"}, defaultValue = "16", description = "Tokens per generation (default: ${DEFAULT-VALUE}).") int n;
    @Option(names = "--count", defaultValue = "100", description = "Number of generations (default: ${DEFAULT-VALUE}).") int count;
    @Option(names = "--stop-at-eos", description = "Stop a generation at end-of-generation tokens (default: generate n tokens).") boolean stopAtEos;

    @Mixin ModelOptions mo;
    @Mixin SamplingOptions so;
    @Mixin DraftOptions dro;

    @Override public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        var base = so.params();
        mo.check();
        dro.check();
        Usage.require(spec, count >= 1, "--count must be >= 1, got " + count);
        Usage.require(spec, n >= 0, "-n must be >= 0, got " + n);
        int[] ids = Usage.check(spec, () -> Ids.parse(promptTokens, "--prompt-tokens"));
        Usage.require(spec, ids.length > 0, "--prompt-tokens is empty");
        long seed = so.seed != null ? so.seed : base.seed();
        try (Loaded m = Loaded.open(model, mo, dro)) {
            so.checkVocabulary(m.weights());
            LanguageModel t = m.target();
            Drafter d = m.drafter();
            try (Progress p = Progress.start(spec.commandLine().getErr(), "sampling", count, Progress.Unit.of("generations"))) {
                for (int i = 0; i < count; i++) {
                    SpeculativeDecoder dec = new SpeculativeDecoder(t, d, dro.enabled() ? dro.policy(model, mo) : null, dro.verifyMode());
                    var r = dec.generate(new GenerationRequest(ids, n, base.withSeed(seed + i), List.of(), stopAtEos), TokenListener.NONE);
                    out.println(Ids.join(r.tokens()));
                    OutputClosed.check(out);
                    p.step();
                }
            }
        }
        return 0;
    }
}
