package dev.specdec.cli;

import dev.specdec.bench.sweep.Manifest;
import dev.specdec.bench.sweep.Prompt;
import dev.specdec.bench.sweep.SweepReport;
import dev.specdec.bench.sweep.SweepRunner;
import dev.specdec.bench.sweep.SweepSummary;
import dev.specdec.engine.Engine;
import dev.specdec.engine.Session;
import dev.specdec.verifier.VerifyMode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Draft-length experiments. */
@Command(
        name = "sweep",
        mixinStandardHelpOptions = true,
        description =
                "Measure speculative decoding over drafts x k x policies x temperatures x seeds on a prompt set, each against "
                        + "plain decoding in the same run, and write runs.jsonl, summary.csv, PNG charts, report.html and manifest.json to --out.")
final class SweepCommand implements Callable<Integer> {
    static final List<String> OUTPUTS = List.of(
            "runs.jsonl",
            "summary.csv",
            "report.html",
            "manifest.json",
            "speedup_vs_k.png",
            "acceptance_by_position.png",
            "accepted_length_histogram.png",
            "latency_cdf.png");

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(
            names = {"-m", "--model"},
            description = "Target model (required).")
    Path target;

    @Option(names = "--target", hidden = true, description = "Old spelling of --model.")
    void oldTarget(Path p) {
        target = p;
    }

    @Option(names = "--draft", required = true, description = "Draft model file or 'ngram' (repeatable).")
    List<String> drafts;

    @Option(names = "-k", description = "k values: '1..12' or '1,2,4,8' (default: ${DEFAULT-VALUE}).")
    String ks = "1..8"; // an initial value, not defaultValue: picocli would apply that after the hidden --k

    @Option(names = "--k", hidden = true, description = "Old spelling of -k.")
    void oldK(String v) {
        ks = v;
    }

    @Option(
            names = "--policy",
            defaultValue = "fixed",
            split = ",",
            description = "Policies (default: ${DEFAULT-VALUE}).")
    List<String> policies;

    @Option(
            names = "--verify",
            defaultValue = "rejection",
            description =
                    "Verification of sampled drafts for every run: rejection, gumbel or block (default: ${DEFAULT-VALUE}).")
    String verify;

    @Option(
            names = "--temperature",
            defaultValue = "0",
            split = ",",
            description = "Temperatures (default: ${DEFAULT-VALUE}).")
    float[] temperatures;

    @Option(
            names = "--seeds",
            defaultValue = "1",
            description = "Repetitions with different seeds (default: ${DEFAULT-VALUE}).")
    int seeds;

    @Option(
            names = "--max-tokens",
            defaultValue = "64",
            description = "Tokens per generation (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(
            names = "--prompts",
            defaultValue = "builtin",
            description = "JSONL prompt file or 'builtin' (default: ${DEFAULT-VALUE}).")
    String prompts;

    @Option(names = "--limit-prompts", description = "Use only the first N prompts.")
    Integer limit;

    @Option(names = "--out", required = true, description = "Output directory.")
    Path out;

    @Option(names = "--record", description = "Also record per-position p, q traces for 'specdec replay'.")
    boolean record;

    @Option(names = "--resume", description = "Continue an interrupted sweep in --out, skipping finished runs.")
    boolean resume;

    @Option(names = "--force", description = "Overwrite the sweep files in an existing --out.")
    boolean force;

    @Option(names = "--no-progress", description = "No progress bar.")
    boolean noProgress;

    @Mixin
    ModelOptions mo;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        Usage.require(spec, target != null, "Missing required option: '--model=<target>'");
        mo.check();
        int[] kValues = Usage.check(spec, () -> parseKs(ks));
        for (String p : policies) DraftOptions.checkKAndPolicy(spec, kValues[0], p);
        VerifyMode verifyMode = Usage.check(spec, () -> VerifyMode.named(verify));
        Usage.require(spec, seeds >= 1, "--seeds must be >= 1, got " + seeds);
        Usage.require(spec, maxTokens >= 1, "--max-tokens must be >= 1, got " + maxTokens);
        Usage.require(spec, limit == null || limit >= 1, "--limit-prompts must be >= 1, got " + limit);
        for (float t : temperatures) Usage.require(spec, t >= 0, "--temperature must be >= 0, got " + t);
        List<Prompt> ps = prompts.equals("builtin") ? Prompt.builtin() : Prompt.load(Path.of(prompts));
        if (limit != null) ps = ps.subList(0, Math.min(limit, ps.size()));
        prepareOutput();
        List<Path> files = new ArrayList<>(List.of(target));
        for (String d : drafts) if (!d.equals("ngram")) files.add(Path.of(d));
        List<String> cmd = new ArrayList<>(List.of("specdec"));
        cmd.addAll(spec.commandLine().getParseResult().originalArgs());
        String manifest = Manifest.create(Main.VERSION, cmd, files, settings(kValues));
        Path existing = out.resolve("manifest.json");
        if (resume && Files.exists(existing)) {
            // finished runs are kept only if they measured the same thing as the runs still to make
            List<String> changed = Manifest.differences(Files.readString(existing), manifest);
            if (!changed.isEmpty()) {
                throw new IllegalArgumentException("--resume: " + String.join("; ", changed)
                        + " (resume with the sweep's settings, or use a new --out)");
            }
        } else {
            Files.writeString(existing, manifest);
        }
        Path runs = out.resolve("runs.jsonl");
        // one engine per draft (the target's file is mapped once per engine; the OS shares the pages)
        List<AutoCloseable> open = new ArrayList<>();
        try {
            Engine plainEngine = mo.engine(target).build();
            open.add(plainEngine);
            Session plain = plainEngine.newSession();
            open.add(plain);
            if (plainEngine.tokenizer() == null) throw new IllegalArgumentException(target + " has no vocabulary");
            Map<String, Session> sessions = new LinkedHashMap<>();
            for (String d : drafts) {
                Engine.Builder b = mo.engine(target);
                Engine e = (d.equals("ngram") ? b.ngram() : b.draft(Path.of(d))).build();
                open.add(e);
                Session s = e.newSession();
                open.add(s);
                sessions.put(
                        d.equals("ngram") ? "ngram" : Path.of(d).getFileName().toString(), s);
            }
            List<String> names = new ArrayList<>(sessions.keySet());
            var plan = new SweepRunner.Plan(ps, names, kValues, policies, temperatures, seeds, maxTokens, record);
            var runner = new SweepRunner(plain, sessions, verifyMode);
            Thread hook = new Thread(() -> spec.commandLine()
                    .getErr()
                    .println(
                            "\nspecdec: interrupted; finished runs are kept in " + runs + " (continue with --resume)"));
            Runtime.getRuntime().addShutdownHook(hook);
            int made = runner.run(plan, runs, SweepRunner.doneKeys(runs), !noProgress && Progress.stderrIsTerminal());
            Runtime.getRuntime().removeShutdownHook(hook);
            spec.commandLine().getErr().println(made + " runs made");
        } finally {
            // sessions before their engines
            for (int i = open.size() - 1; i >= 0; i--) open.get(i).close();
        }
        var records = SweepRunner.read(runs);
        SweepReport.write(out, records, Files.readString(out.resolve("manifest.json")));
        o.println(bestKTable(SweepSummary.summarize(records)));
        o.println("report: " + out.resolve("report.html"));
        o.flush();
        return 0;
    }

    /** What decides the meaning of a run, by flag (the model files are compared by the manifest itself). */
    private Map<String, String> settings(int[] kValues) throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("--k", java.util.Arrays.toString(kValues));
        m.put("--policy", String.join(",", policies));
        if (!verify.equals("rejection"))
            m.put("--verify", verify); // absent for rejection: older sweeps resume as before
        m.put("--temperature", java.util.Arrays.toString(temperatures));
        m.put("--seeds", String.valueOf(seeds));
        m.put("--max-tokens", String.valueOf(maxTokens));
        m.put(
                "--prompts",
                prompts.equals("builtin")
                        ? "builtin"
                        : Path.of(prompts).getFileName() + " (sha256 " + Manifest.sha256(Path.of(prompts)) + ")");
        m.put("--limit-prompts", String.valueOf(limit));
        m.put("--record", String.valueOf(record));
        m.put("--threads", String.valueOf(Engine.threadsFor(mo.threads != null ? mo.threads : 0)));
        m.put("--kv-type", mo.kvType);
        m.put("--device", mo.device);
        return m;
    }

    private void prepareOutput() throws IOException {
        if (Files.exists(out) && !Files.isDirectory(out))
            throw new IllegalArgumentException(out + " exists and is not a directory");
        boolean hasSweep = Files.exists(out.resolve("runs.jsonl"));
        if (hasSweep && !resume && !force) {
            throw new IllegalArgumentException(
                    out + " already holds a sweep; use --resume to continue it or --force to overwrite it");
        }
        if (force && !resume) for (String f : OUTPUTS) Files.deleteIfExists(out.resolve(f));
        Files.createDirectories(out);
    }

    static int[] parseKs(String s) {
        try {
            if (s.contains("..")) {
                String[] ab = s.split("\\.\\.");
                int a = Integer.parseInt(ab[0].trim()), b = Integer.parseInt(ab[1].trim());
                if (a < 1 || b < a || b > 64) throw new IllegalArgumentException();
                int[] r = new int[b - a + 1];
                for (int i = 0; i < r.length; i++) r[i] = a + i;
                return r;
            }
            int[] r = java.util.Arrays.stream(s.split(","))
                    .mapToInt(x -> Integer.parseInt(x.trim()))
                    .toArray();
            for (int k : r) if (k < 1 || k > 64) throw new IllegalArgumentException();
            return r;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    "--k expects 'A..B' or a comma list of values in 1..64, got '" + s + "'");
        }
    }

    static String bestKTable(List<SweepSummary.Row> rows) {
        StringBuilder sb = new StringBuilder(
                "| draft | policy | T | best k measured | speedup | best k predicted | predicted speedup |\n|---|---|---|---|---|---|---|\n");
        for (var b : SweepSummary.bestK(rows)) {
            sb.append(String.format(
                    java.util.Locale.ROOT,
                    "| %s | %s | %s | %d | %.3f | %d | %.3f |%n",
                    b.draft(),
                    b.policy(),
                    b.temperature(),
                    b.measured(),
                    b.measuredSpeedup(),
                    b.predicted(),
                    b.predictedSpeedup()));
        }
        return sb.toString();
    }
}
