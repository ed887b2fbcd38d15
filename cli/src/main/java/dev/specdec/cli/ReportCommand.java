package dev.specdec.cli;

import dev.specdec.bench.sweep.SweepReport;
import dev.specdec.bench.sweep.SweepRunner;
import dev.specdec.bench.sweep.SweepSummary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Re-renders a sweep's report from its runs. */
@Command(
        name = "report",
        mixinStandardHelpOptions = true,
        description = "Re-render summary.csv, the charts and report.html of a sweep directory from its runs.jsonl.")
final class ReportCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", description = "Sweep directory.")
    Path dir;

    @Override
    public Integer call() throws Exception {
        Path runs = dir.resolve("runs.jsonl");
        if (!Files.isRegularFile(runs))
            throw new IllegalArgumentException(dir + " has no runs.jsonl: not a sweep directory");
        var records = SweepRunner.read(runs);
        String manifest =
                Files.exists(dir.resolve("manifest.json")) ? Files.readString(dir.resolve("manifest.json")) : "{}";
        SweepReport.write(dir, records, manifest);
        spec.commandLine().getOut().println(SweepCommand.bestKTable(SweepSummary.summarize(records)));
        spec.commandLine().getOut().println("report: " + dir.resolve("report.html"));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
