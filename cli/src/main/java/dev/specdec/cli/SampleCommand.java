package dev.specdec.cli;

import dev.specdec.engine.Engine;
import dev.specdec.engine.Request;
import dev.specdec.engine.Session;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Many independent generations in one process, for checking distributions from outside. */
@Command(
        name = "sample",
        mixinStandardHelpOptions = true,
        description =
                "Run C independent generations (seeds S, S+1, ...) and print each as one line of space-separated token ids. "
                        + "With --parallel N they run on N concurrent sessions of one engine; the lines are the same, in the same order.")
final class SampleCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(
            names = {"-m", "--model"},
            required = true,
            description = "Target model.")
    Path model;

    @Option(names = "--prompt-tokens", required = true, description = "Prompt token ids, e.g. 1,2,3.")
    String promptTokens;

    @Option(
            names = {"-n", "--max-tokens"},
            defaultValue = "16",
            description = "Tokens per generation (default: ${DEFAULT-VALUE}).")
    int n;

    @Option(names = "--count", defaultValue = "100", description = "Number of generations (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(
            names = "--stop-at-eos",
            description = "Stop a generation at end-of-generation tokens (default: generate n tokens).")
    boolean stopAtEos;

    @Option(names = "--parallel", defaultValue = "1", description = "Concurrent sessions (default: ${DEFAULT-VALUE}).")
    int parallel;

    @Mixin
    ModelOptions mo;

    @Mixin
    SamplingOptions so;

    @Mixin
    DraftOptions dro;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        var base = so.params();
        mo.check();
        dro.check();
        Usage.require(spec, count >= 1, "--count must be >= 1, got " + count);
        Usage.require(spec, n >= 0, "-n must be >= 0, got " + n);
        Usage.require(spec, parallel >= 1, "--parallel must be >= 1, got " + parallel);
        int[] ids = Usage.check(spec, () -> Ids.parse(promptTokens, "--prompt-tokens"));
        Usage.require(spec, ids.length > 0, "--prompt-tokens is empty");
        long seed = base.seed();
        int workers = Math.min(parallel, count);
        try (Engine engine = dro.applyTo(mo.engine(model)).sampling(base).build();
                Progress p = Progress.start(
                        spec.commandLine().getErr(), "sampling", count, Progress.Unit.of("generations"));
                ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            // generation i has seed S + i and a fresh draft-length policy, so its tokens do not depend
            // on which session runs it, or after what: the lines are the same for every --parallel
            var next = new java.util.concurrent.atomic.AtomicInteger();
            int[][] lines = new int[count][];
            List<Future<?>> sessions = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                sessions.add(pool.submit(() -> {
                    try (Session s = engine.newSession()) {
                        for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                            s.resetPolicy();
                            Request.Builder r = Request.tokens(ids).maxTokens(n).sampling(base.withSeed(seed + i));
                            if (!stopAtEos) r.ignoreEndOfGeneration();
                            int[] tokens = s.generate(r.build()).tokens();
                            synchronized (lines) {
                                lines[i] = tokens;
                                lines.notifyAll();
                            }
                            p.step();
                        }
                    }
                    return null;
                }));
            }
            // print in order, each line as soon as it and every line before it are done
            try {
                printInOrder(out, lines, sessions);
            } finally {
                next.set(count); // output closed or a session failed: the other sessions stop after their generation
            }
            for (Future<?> f : sessions) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException re) throw re;
                    throw e;
                }
            }
        }
        return 0;
    }

    private void printInOrder(PrintWriter out, int[][] lines, List<Future<?>> sessions) throws InterruptedException {
        for (int i = 0; i < count; i++) {
            int[] line;
            synchronized (lines) {
                while ((line = lines[i]) == null && !failed(sessions)) lines.wait(200);
            }
            if (line == null) break;
            lines[i] = null;
            out.println(Ids.join(line));
            OutputClosed.check(out);
        }
    }

    private static boolean failed(List<Future<?>> sessions) {
        for (Future<?> f : sessions) if (f.isDone() && f.state() == Future.State.FAILED) return true;
        return false;
    }
}
