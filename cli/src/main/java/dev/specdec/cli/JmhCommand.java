package dev.specdec.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Runs the JMH kernel benchmarks bundled in the jar. */
@Command(
        name = "jmh",
        description =
                "Run the JMH kernel benchmarks (arguments go to JMH, e.g. 'MatmulBenchmark -p type=Q4_0 -p b=1,5 -prof gc').")
final class JmhCommand implements Callable<Integer> {
    @picocli.CommandLine.Unmatched
    List<String> args;

    @Override
    public Integer call() throws Exception {
        org.openjdk.jmh.Main.main(args == null ? new String[0] : args.toArray(String[]::new));
        return 0;
    }
}
