package dev.specdec.cli;

import dev.specdec.engine.Engine;
import dev.specdec.server.LoadBenchmark;
import dev.specdec.server.ServerConfig;
import dev.specdec.server.SpecdecServer;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** A bounded load test of a server: throughput, TTFT and inter-token latency at several client counts, speculation on and off. */
@Command(
        name = "bench-serve",
        mixinStandardHelpOptions = true,
        description =
                "Load-test an OpenAI-compatible server: N clients x M streamed greedy completions each, for every --clients value, "
                        + "with the server's speculation and with it off per request; prints throughput, TTFT and inter-token latency p50/p99 "
                        + "as a Markdown table. Against --url, or an in-process server on -m MODEL.")
final class BenchServeCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    static final class Target {
        @Option(names = "--url", description = "A running server, e.g. http://127.0.0.1:8080.")
        URI url;

        @Option(
                names = {"-m", "--model"},
                description = "Start a server in this process on this model (with the model and draft flags).")
        Path model;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    @Option(
            names = "--batching",
            split = ",",
            defaultValue = "backoff",
            description =
                    "With -m: the in-process server's engine batches concurrent sessions and lets each back off its draft "
                            + "length as the batch grows (backoff, as serve does), batches them with fixed draft lengths (on), or makes "
                            + "them take turns (off); a list runs each (default: ${DEFAULT-VALUE}).")
    List<String> batching;

    @Option(
            names = "--clients",
            split = ",",
            defaultValue = "1,4,16",
            description = "Concurrent clients, one run each (default: ${DEFAULT-VALUE}).")
    List<Integer> clients;

    @Option(
            names = "--requests",
            defaultValue = "4",
            description = "Requests per client per run (default: ${DEFAULT-VALUE}).")
    int requests;

    @Option(
            names = {"-n", "--max-tokens"},
            defaultValue = "64",
            description = "max_tokens of each request (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(
            names = "--prompts",
            description = "Prompt set: a text file, one prompt per line (default: a few built-in story openings).")
    Path prompts;

    @Option(
            names = "--speculation",
            split = ",",
            defaultValue = "on,off",
            description = "Runs with speculation on, off, or both (default: ${DEFAULT-VALUE}).")
    List<String> speculation;

    @Option(names = "--api-key", description = "Bearer key for --url (default: $SPECDEC_API_KEY).")
    String apiKey;

    @Mixin
    ModelOptions mo;

    @Mixin
    DraftOptions dro;

    static final List<String> DEFAULT_PROMPTS = List.of(
            "Once upon a time",
            "The little dog ran",
            "In a small town there lived",
            "Lily wanted to play with",
            "One day the sun was",
            "Tom found a big red ball");

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        Usage.require(spec, clients.stream().allMatch(c -> c >= 1), "--clients must all be >= 1, got " + clients);
        Usage.require(spec, requests >= 1, "--requests must be >= 1, got " + requests);
        Usage.require(spec, maxTokens >= 1, "-n must be >= 1, got " + maxTokens);
        Usage.require(
                spec,
                speculation.stream().allMatch(s -> s.equals("on") || s.equals("off")),
                "--speculation must be on, off or on,off");
        List<String> set = prompts == null
                ? DEFAULT_PROMPTS
                : Files.readAllLines(prompts).stream().filter(l -> !l.isBlank()).toList();
        Usage.require(spec, !set.isEmpty(), "--prompts " + prompts + " has no prompts");
        if (target.url != null) {
            run(
                    target.url,
                    apiKey != null ? apiKey : System.getenv("SPECDEC_API_KEY"),
                    set,
                    out,
                    err,
                    "server " + target.url);
            return 0;
        }
        mo.check();
        dro.check();
        Usage.require(
                spec,
                batching.stream().allMatch(s -> s.equals("on") || s.equals("off") || s.equals("backoff")),
                "--batching must be a list of on, off, backoff");
        int most = clients.stream().mapToInt(Integer::intValue).max().orElse(1);
        for (String b : batching) {
            try (Engine engine = dro.applyTo(mo.engine(target.model))
                            .batching(!b.equals("off"))
                            .backOffInBatches(b.equals("backoff"))
                            .build();
                    SpecdecServer server = SpecdecServer.start(
                            engine, ServerConfig.defaults().withPort(0).withLimits(most, most))) {
                run(server.baseUri(), null, set, out, err, engine + ", " + dro.describe(engine) + ", batching " + b);
            }
        }
        return 0;
    }

    private void run(URI url, String key, List<String> set, PrintWriter out, PrintWriter err, String what)
            throws InterruptedException {
        LoadBenchmark bench = new LoadBenchmark(url, key, set, maxTokens);
        // warm-up: the first requests pay for class loading and the JIT, and a server opens its
        // sessions on demand; as many as the most clients, so every run finds them open
        LoadBenchmark.Result warm =
                bench.run(clients.stream().mapToInt(Integer::intValue).max().orElse(1), 1, true);
        if (warm.firstError() != null)
            err.println("specdec: " + warm.failed() + " warm-up request(s) failed (the server's limits?), the first: "
                    + warm.firstError());
        List<LoadBenchmark.Result> results = new ArrayList<>();
        for (int c : clients) {
            for (String s : speculation) {
                LoadBenchmark.Result r = bench.run(c, requests, s.equals("on"));
                if (r.firstError() != null)
                    err.println("specdec: " + r.failed() + " request(s) failed, the first: " + r.firstError());
                results.add(r);
                err.printf("specdec: %d clients, speculation %s: %.1f tokens/s%n", c, s, r.tokensPerSecond());
                err.flush();
            }
        }
        out.println("bench-serve: " + what + "; " + requests + " requests per client, max_tokens " + maxTokens
                + ", greedy, " + set.size() + " prompts; Java " + Runtime.version());
        out.print(LoadBenchmark.table(results));
        out.flush();
    }
}
