package dev.specdec.cli;

import dev.specdec.bench.sweep.Replay;
import dev.specdec.bench.sweep.SweepRunner;
import dev.specdec.bench.sweep.SweepSummary;
import dev.specdec.draft.CostModel;
import dev.specdec.draft.DraftProposal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Evaluates policies on recorded traces, without running models. */
@Command(
        name = "replay",
        mixinStandardHelpOptions = true,
        description =
                "Evaluate draft-length policies (and the hindsight ORACLE) on the traces a 'sweep --record' stored, with common "
                        + "random numbers and the costs that sweep measured. Takes seconds; runs no model.")
final class ReplayCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", description = "Sweep directory.")
    Path dir;

    @Option(
            names = "--policy",
            defaultValue = "fixed,heuristic,confidence,adaptive",
            split = ",",
            description = "Policies (default: ${DEFAULT-VALUE}).")
    List<String> policies;

    @Option(names = "-k", description = "k values (default: ${DEFAULT-VALUE}).")
    String ks = "1..8"; // an initial value, not defaultValue: picocli would apply that after the hidden --k

    @Option(names = "--k", hidden = true, description = "Old spelling of -k.")
    void oldK(String v) {
        ks = v;
    }

    @Option(
            names = "--replicates",
            defaultValue = "20",
            description = "Random-number replicates per trace (default: ${DEFAULT-VALUE}).")
    int replicates;

    @Option(names = "--draft", description = "Only traces of this draft (a file name or 'ngram').")
    String draft;

    @Override
    public Integer call() throws Exception {
        int[] kValues = Usage.check(spec, () -> SweepCommand.parseKs(ks));
        for (String p : policies) if (!p.equals("oracle")) DraftOptions.checkKAndPolicy(spec, kValues[0], p);
        Usage.require(spec, replicates >= 1, "--replicates must be >= 1, got " + replicates);
        Path runs = dir.resolve("runs.jsonl");
        if (!Files.isRegularFile(runs))
            throw new IllegalArgumentException(dir + " has no runs.jsonl: not a sweep directory");
        var records = SweepRunner.read(runs);
        if (draft != null)
            records = records.stream()
                    .filter(r -> r.draft().equals(draft) || r.k() == 0)
                    .toList();
        var results = Replay.run(records, policies, kValues, measuredCosts(records), replicates);
        spec.commandLine().getOut().println(Replay.table(results));
        spec.commandLine().getOut().flush();
        return 0;
    }

    /** Costs measured by the sweep: pass cost per b from the fixed-k rows, mean draft cost per token. */
    static CostModel measuredCosts(List<dev.specdec.bench.sweep.RunRecord> records) {
        CostModel prior = CostModel.assumed();
        double[] pass = new double[DraftProposal.MAX_TOKENS + 2];
        pass[1] = 1;
        double c = 0;
        int n = 0;
        for (var row : SweepSummary.summarize(records)) {
            if (!row.config().policy().equals("fixed") || Double.isNaN(row.passRatio())) continue;
            int b = row.config().k() + 1;
            if (b < pass.length && row.passRatio() > 0) pass[b] = row.passRatio();
            if (!row.config().draft().equals("ngram")) {
                c += row.costRatio();
                n++;
            }
        }
        return new CostModel(pass, n == 0 ? prior.draftPerToken() : c / n);
    }
}
