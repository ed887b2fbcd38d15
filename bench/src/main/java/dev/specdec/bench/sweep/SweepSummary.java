package dev.specdec.bench.sweep;

import dev.specdec.draft.CostModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * Per configuration: measured acceptance, tokens per call, costs, speed and speedup over the
 * baseline (same prompts, seeds and temperature), with bootstrap confidence intervals over prompts,
 * next to the speedup Leviathan et al.'s formula predicts from the measured acceptance and costs.
 */
public final class SweepSummary {

    /** One row of the summary. */
    public record Row(
            SweepConfig config,
            int runs,
            double alpha,
            double[] alphaCi,
            double[] perPosition,
            long[] histogram,
            double tokensPerCall,
            double draftMsPerCall,
            double targetMsPerCall,
            double tokensPerSecond,
            double speedup,
            double[] speedupCi,
            double predictedSpeedup,
            double costRatio,
            double passRatio,
            double p50Ms,
            double p90Ms,
            double p99Ms,
            double ttftP50Ms,
            Map<String, Double> speedupByCategory) {}

    /** Best k per (draft, policy, temperature): measured and predicted. */
    public record BestK(
            String draft,
            String policy,
            float temperature,
            int measured,
            double measuredSpeedup,
            int predicted,
            double predictedSpeedup) {}

    private static final int BOOTSTRAP = 1000;

    public static List<Row> summarize(List<RunRecord> records) {
        Map<String, List<RunRecord>> byConfig = new LinkedHashMap<>();
        for (RunRecord r : records)
            byConfig.computeIfAbsent(r.config().key(), x -> new ArrayList<>()).add(r);
        List<Row> rows = new ArrayList<>();
        for (List<RunRecord> group : byConfig.values()) {
            SweepConfig c = group.getFirst().config();
            if (c.isBaseline()) continue;
            // baseline of the same prompt, seed and temperature
            Map<String, RunRecord> base = new LinkedHashMap<>();
            for (RunRecord r : records) {
                if (r.config().isBaseline() && r.temperature() == c.temperature())
                    base.put(r.promptId() + "|" + r.seed(), r);
            }
            rows.add(row(c, group, base));
        }
        return rows;
    }

    private static Row row(SweepConfig c, List<RunRecord> runs, Map<String, RunRecord> base) {
        long drafted = 0, accepted = 0, calls = 0, generated = 0;
        double draftMs = 0, targetMs = 0, decodeMs = 0, baseTargetMsPerToken = 0;
        int maxPos = 0, maxLen = 0;
        for (RunRecord r : runs) {
            maxPos = Math.max(maxPos, r.proposedAt().length);
            maxLen = Math.max(maxLen, r.acceptedLengthHistogram().length);
        }
        double[] posAcc = new double[maxPos], posProp = new double[maxPos];
        long[] hist = new long[maxLen];
        Histogram latency = new Histogram(3_600_000_000L, 3), ttft = new Histogram(3_600_000_000L, 3);
        List<double[]> perPrompt = new ArrayList<>(); // {speedup, accepted, drafted}
        Map<String, List<Double>> byCategory = new TreeMap<>();
        int baseTokens = 0;
        double baseMs = 0;
        for (RunRecord r : runs) {
            drafted += r.draftTokens();
            accepted += r.acceptedTokens();
            calls += r.targetCalls();
            generated += r.decodeTokens();
            draftMs += r.draftMs();
            targetMs += r.targetMs();
            decodeMs += r.decodeMs();
            long[] h = r.acceptedLengthHistogram();
            for (int a = 0; a < h.length; a++) hist[a] += h[a];
            for (int i = 0; i < r.proposedAt().length; i++) {
                posProp[i] += r.proposedAt()[i];
                posAcc[i] += r.acceptedAt()[i];
            }
            for (double l : r.tokenLatencyMs()) latency.recordValue(Math.max(0, (long) (l * 1e6)));
            ttft.recordValue(Math.max(0, (long) (r.ttftMs() * 1e6)));
            RunRecord b = base.get(r.promptId() + "|" + r.seed());
            if (b != null && b.decodeTokens() > 0 && r.decodeTokens() > 0) {
                double sp = (b.decodeMs() / b.decodeTokens()) / (r.decodeMs() / r.decodeTokens());
                perPrompt.add(new double[] {sp, r.acceptedTokens(), r.draftTokens()});
                byCategory.computeIfAbsent(r.category(), x -> new ArrayList<>()).add(sp);
                baseTokens += b.decodeTokens();
                baseMs += b.targetMs();
            }
        }
        double[] perPosition = new double[maxPos];
        for (int i = 0; i < maxPos; i++) perPosition[i] = posProp[i] == 0 ? 0 : posAcc[i] / posProp[i];
        double alpha = drafted == 0 ? 0 : (double) accepted / drafted;
        double speedup = perPrompt.stream().mapToDouble(x -> x[0]).average().orElse(Double.NaN);
        double[] speedupCi = bootstrap(
                perPrompt, x -> x.stream().mapToDouble(v -> v[0]).average().orElse(Double.NaN));
        double[] alphaCi = bootstrap(perPrompt, x -> {
            double a = 0, d = 0;
            for (double[] v : x) {
                a += v[1];
                d += v[2];
            }
            return d == 0 ? 0 : a / d;
        });
        double targetMsPerToken = baseTokens == 0 ? Double.NaN : baseMs / baseTokens;
        double targetMsPerCall = calls == 0 ? 0 : targetMs / calls, draftMsPerCall = calls == 0 ? 0 : draftMs / calls;
        double meanK = calls == 0 ? 0 : (double) drafted / calls;
        // measured cost ratios: draft per token and the verification pass, relative to one decode step
        double costRatio = meanK == 0 ? 0 : draftMsPerCall / meanK / targetMsPerToken;
        double pass = targetMsPerCall / targetMsPerToken;
        double predicted = predictedSpeedup(alpha, costRatio, pass, (int) Math.round(Math.max(1, meanK)));
        Map<String, Double> cat = new LinkedHashMap<>();
        byCategory.forEach((k, v) ->
                cat.put(k, v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN)));
        return new Row(
                c,
                runs.size(),
                alpha,
                alphaCi,
                perPosition,
                hist,
                calls == 0 ? 0 : (double) generated / calls,
                draftMsPerCall,
                targetMsPerCall,
                decodeMs == 0 ? 0 : generated * 1000.0 / decodeMs,
                speedup,
                speedupCi,
                predicted,
                costRatio,
                pass,
                latency.getValueAtPercentile(50) / 1e6,
                latency.getValueAtPercentile(90) / 1e6,
                latency.getValueAtPercentile(99) / 1e6,
                ttft.getValueAtPercentile(50) / 1e6,
                cat);
    }

    /**
     * Leviathan et al. 2023: with acceptance a and k drafts a step yields (1 - a^(k+1)) / (1 - a)
     * tokens and costs one (k+1)-row target pass ({@code passRatio} decode steps) plus k draft tokens
     * ({@code c} decode steps each).
     */
    public static double predictedSpeedup(double a, double c, double passRatio, int k) {
        return CostModel.expectedTokens(Math.min(a, 0.9999), k) / (passRatio + k * c);
    }

    /** Percentile bootstrap (2.5%, 97.5%) of a statistic over prompts. */
    static double[] bootstrap(List<double[]> items, java.util.function.Function<List<double[]>, Double> stat) {
        if (items.size() < 2) return new double[] {Double.NaN, Double.NaN};
        SplittableRandom r = new SplittableRandom(42);
        double[] v = new double[BOOTSTRAP];
        List<double[]> sample = new ArrayList<>(items.size());
        for (int b = 0; b < BOOTSTRAP; b++) {
            sample.clear();
            for (int i = 0; i < items.size(); i++) sample.add(items.get(r.nextInt(items.size())));
            v[b] = stat.apply(sample);
        }
        Arrays.sort(v);
        return new double[] {v[(int) (0.025 * BOOTSTRAP)], v[(int) (0.975 * BOOTSTRAP) - 1]};
    }

    /** Best k measured and predicted per (draft, policy, temperature), among the k values swept. */
    public static List<BestK> bestK(List<Row> rows) {
        Map<String, List<Row>> g = new LinkedHashMap<>();
        for (Row r : rows)
            g.computeIfAbsent(
                            r.config().draft() + "|" + r.config().policy() + "|"
                                    + r.config().temperature(),
                            x -> new ArrayList<>())
                    .add(r);
        List<BestK> out = new ArrayList<>();
        for (List<Row> rs : g.values()) {
            Row m = rs.stream()
                    .max((a, b) -> Double.compare(a.speedup(), b.speedup()))
                    .orElseThrow();
            Row p = rs.stream()
                    .max((a, b) -> Double.compare(a.predictedSpeedup(), b.predictedSpeedup()))
                    .orElseThrow();
            out.add(new BestK(
                    m.config().draft(),
                    m.config().policy(),
                    m.config().temperature(),
                    m.config().k(),
                    m.speedup(),
                    p.config().k(),
                    p.predictedSpeedup()));
        }
        return out;
    }
}
