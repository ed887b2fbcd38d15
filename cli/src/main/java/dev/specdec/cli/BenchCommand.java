package dev.specdec.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.specdec.bench.MemoryBandwidth;
import dev.specdec.bench.ModelBenchmark;
import dev.specdec.engine.CostProfiles;
import dev.specdec.engine.Engine;
import dev.specdec.kernels.CpuInfo;
import dev.specdec.kernels.NativeKernels;
import dev.specdec.kernels.Vectors;
import dev.specdec.target.AtomicFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** llama-bench for specdec. */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description =
                "Measure decode (tg) and prompt (pp) speed, the cost of a b-row verification pass for b = 1..17, and "
                        + "achieved memory bandwidth against the machine's (measured in the same run). Saves a cost profile per model "
                        + "for the adaptive draft-length policy.")
final class BenchCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "1..*", description = "Model files.")
    List<Path> models;

    @Option(names = "--output", defaultValue = "md", description = "md, csv or json (default: ${DEFAULT-VALUE}).")
    String output;

    @Option(names = "--reps", defaultValue = "3", description = "Repetitions (default: ${DEFAULT-VALUE}).")
    int reps;

    @Option(
            names = "--decode-tokens",
            defaultValue = "32",
            description = "Tokens per decode repetition (default: ${DEFAULT-VALUE}).")
    int decodeTokens;

    @Option(names = "--max-b", defaultValue = "17", description = "Largest pass size b (default: ${DEFAULT-VALUE}).")
    int maxB;

    @Option(
            names = "--pp",
            defaultValue = "64,512",
            split = ",",
            description = "Prompt sizes (default: ${DEFAULT-VALUE}).")
    int[] pp;

    @Option(
            names = "--bandwidth-mib",
            defaultValue = "1024",
            description = "Array size of the bandwidth probe (default: ${DEFAULT-VALUE} MiB).")
    int bandwidthMib;

    @Option(names = "--compare-to", description = "An earlier JSON result: print ratios against it.")
    Path compareTo;

    @Option(names = "--out", description = "Also write the result to this file.")
    Path outFile;

    @Mixin
    ModelOptions mo;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        mo.check();
        Usage.require(spec, reps >= 1, "--reps must be >= 1, got " + reps);
        Usage.require(spec, maxB >= 1 && maxB <= 64, "--max-b must be in 1..64, got " + maxB);
        Usage.require(spec, decodeTokens >= 1, "--decode-tokens must be >= 1, got " + decodeTokens);
        Usage.require(spec, bandwidthMib >= 1, "--bandwidth-mib must be >= 1, got " + bandwidthMib);
        Usage.require(
                spec,
                java.util.Arrays.stream(pp).allMatch(p -> p >= 1),
                "--pp sizes must be >= 1, got " + java.util.Arrays.toString(pp));
        Usage.require(
                spec,
                List.of("md", "csv", "json").contains(output),
                "--output must be md, csv or json, not '" + output + "'");
        for (Path m : models) if (!Files.isRegularFile(m)) throw new IllegalArgumentException(m + ": file not found");
        List<Path> inputs = new ArrayList<>(models);
        inputs.add(compareTo);
        OutputFiles.check("--out", outFile, true, inputs.toArray(Path[]::new));
        int threads = Engine.threadsFor(mo.threads != null ? mo.threads : 0);
        err.printf("%s%n", machine());
        err.printf("measuring memory bandwidth (%d MiB, %d threads) ...%n", bandwidthMib, threads);
        double bw = MemoryBandwidth.measure(threads, (long) bandwidthMib << 20, 5);
        List<ModelBenchmark.Result> results = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        for (Path m : models) {
            err.printf("benchmarking %s ...%n", m.getFileName());
            try (Engine engine = mo.engine(m).build()) {
                ModelBenchmark.Result r = new ModelBenchmark(
                                engine.targetWeights(), engine::openTargetModel, threads, reps, decodeTokens, maxB)
                        .run(bw, pp);
                results.add(r);
                try {
                    CostProfiles.save(m, r.threads(), r.decodeTokensPerSecond(), r.passCostRatio());
                } catch (IOException e) {
                    // the measurements are the result; the profile only refines --policy adaptive later
                    warnings.add("could not save the cost profile of " + m.getFileName() + " (" + Main.oneLine(e)
                            + "); --policy adaptive will assume costs for it");
                }
            }
        }
        ArrayNode json = toJson(results);
        String text = switch (output) {
            case "json" -> StatsJson.JSON.writeValueAsString(json);
            case "csv" -> csv(results);
            case "md" -> machine() + "\n\n" + markdown(results);
            default -> throw new IllegalStateException("--output was checked: " + output);
        };
        out.println(text);
        for (String w : warnings) err.println("specdec: warning: " + w);
        if (outFile != null)
            AtomicFile.write(outFile, true, os -> os.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        if (compareTo != null) compare(out, json, StatsJson.JSON.readTree(compareTo.toFile()));
        out.flush();
        return 0;
    }

    /**
     * What a reader needs to compare these numbers with others (the method travels with the
     * result): the CPU and the flags that decide which kernels can run, the JVM, the vector width.
     */
    static String machine() {
        return "cpu: " + CpuInfo.current().describe() + "; Java " + Runtime.version() + ", " + Vectors.describe()
                + "; kernels: " + NativeKernels.describe();
    }

    static ArrayNode toJson(List<ModelBenchmark.Result> rs) {
        ArrayNode arr = StatsJson.JSON.createArrayNode();
        CpuInfo cpu = CpuInfo.current();
        for (var r : rs) {
            ObjectNode n = arr.addObject();
            n.put("model", r.model());
            n.put("type", r.type());
            n.put("threads", r.threads());
            n.put("cpu_model", cpu.model());
            ArrayNode flags = n.putArray("cpu_flags");
            cpu.relevantFlags().forEach(flags::add);
            n.put("java", Runtime.version().toString());
            n.put("vector_bits", Vectors.ENABLED ? Vectors.F.vectorBitSize() : 0);
            n.put(
                    "cpu_kernels",
                    NativeKernels.level() != null ? NativeKernels.level().id() : "java");
            n.put("bandwidth_gbps", r.bandwidthGbps());
            n.put("decode_tokens_per_s", r.decodeTokensPerSecond());
            n.put("decode_tokens_per_s_sd", r.decodeSd());
            n.put("decode_gbps", r.decodeGbps());
            n.put("decode_fraction_of_bandwidth", r.decodeGbps() / r.bandwidthGbps());
            ObjectNode pm = n.putObject("pass_ms");
            r.passMs().forEach((b, v) -> pm.put(String.valueOf(b), v));
            ObjectNode pc = n.putObject("pass_cost_ratio");
            r.passCostRatio().forEach((b, v) -> pc.put(String.valueOf(b), v));
            // the largest prompt measured as one number; every size in the object beside it
            r.promptTokensPerSecond().entrySet().stream()
                    .max(java.util.Map.Entry.comparingByKey())
                    .ifPresent(e -> n.put("prompt_tokens_per_s", e.getValue()));
            ObjectNode pp = n.putObject("prompt_tokens_per_s_by_size");
            r.promptTokensPerSecond().forEach((b, v) -> pp.put(String.valueOf(b), v));
            n.put("resident_bytes", r.residentBytes());
            n.put("bytes_per_token", r.bytesPerToken());
            n.put("latency_p50_ms", r.p50Ms());
            n.put("latency_p90_ms", r.p90Ms());
            n.put("latency_p99_ms", r.p99Ms());
        }
        return arr;
    }

    static String markdown(List<ModelBenchmark.Result> rs) {
        StringBuilder sb = new StringBuilder();
        sb.append("| model | type | threads | tg tok/s | GB/s (% of ")
                .append(rs.isEmpty() ? "" : String.format("%.1f", rs.get(0).bandwidthGbps()))
                .append(" measured) | pp tok/s | p50/p99 ms | b=2 | b=3 | b=5 | b=9 | b=17 | RSS MiB |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (var r : rs) {
            sb.append(String.format(
                    "| %s | %s | %d | %.2f ± %.2f | %.1f (%.0f%%) | %s | %.1f/%.1f | %s | %s | %s | %s | %s | %d |%n",
                    r.model(),
                    r.type(),
                    r.threads(),
                    r.decodeTokensPerSecond(),
                    r.decodeSd(),
                    r.decodeGbps(),
                    100 * r.decodeGbps() / r.bandwidthGbps(),
                    pp(r),
                    r.p50Ms(),
                    r.p99Ms(),
                    ratio(r, 2),
                    ratio(r, 3),
                    ratio(r, 5),
                    ratio(r, 9),
                    ratio(r, 17),
                    r.residentBytes() >> 20));
        }
        return sb.toString();
    }

    private static String pp(ModelBenchmark.Result r) {
        StringBuilder sb = new StringBuilder();
        r.promptTokensPerSecond()
                .forEach((n, v) -> sb.append(sb.isEmpty() ? "" : ", ")
                        .append("pp")
                        .append(n)
                        .append(' ')
                        .append(String.format("%.0f", v)));
        return sb.toString();
    }

    private static String ratio(ModelBenchmark.Result r, int b) {
        Double v = r.passCostRatio().get(b);
        return v == null ? "-" : String.format("%.2f", v);
    }

    static String csv(List<ModelBenchmark.Result> rs) {
        StringBuilder sb =
                new StringBuilder("model,type,threads,bandwidth_gbps,decode_tokens_per_s,decode_sd,decode_gbps");
        int maxB = rs.stream().mapToInt(r -> r.passMs().size()).max().orElse(0);
        for (int b = 1; b <= maxB; b++) sb.append(",pass_cost_b").append(b);
        sb.append(",resident_bytes,cpu_model,cpu_flags\n");
        CpuInfo cpu = CpuInfo.current();
        String cpuColumns = "," + quoted(cpu.model()) + "," + quoted(String.join(" ", cpu.relevantFlags()));
        for (var r : rs) {
            sb.append(String.format(
                    "%s,%s,%d,%.3f,%.3f,%.3f,%.3f",
                    r.model(),
                    r.type(),
                    r.threads(),
                    r.bandwidthGbps(),
                    r.decodeTokensPerSecond(),
                    r.decodeSd(),
                    r.decodeGbps()));
            for (int b = 1; b <= maxB; b++)
                sb.append(',').append(String.format("%.4f", r.passCostRatio().getOrDefault(b, Double.NaN)));
            sb.append(',').append(r.residentBytes()).append(cpuColumns).append('\n');
        }
        return sb.toString();
    }

    /** A CSV field in double quotes (CPU names may hold commas), inner quotes doubled. */
    private static String quoted(String s) {
        return '"' + s.replace("\"", "\"\"") + '"';
    }

    private static void compare(PrintWriter out, ArrayNode now, JsonNode before) {
        out.println("\nratios against the earlier result (now / before):");
        for (JsonNode n : now) {
            for (JsonNode b : before) {
                if (!b.path("model").asText().equals(n.get("model").asText())) continue;
                out.printf(
                        "  %s: decode %.2fx, b=5 pass cost %.2fx%n",
                        n.get("model").asText(),
                        n.get("decode_tokens_per_s").asDouble()
                                / b.path("decode_tokens_per_s").asDouble(Double.NaN),
                        n.path("pass_cost_ratio").path("5").asDouble(Double.NaN)
                                / b.path("pass_cost_ratio").path("5").asDouble(Double.NaN));
            }
        }
    }
}
