package dev.specdec.bench.sweep;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Renders a sweep: summary.csv, PNG charts (XChart), and a self-contained report.html (charts
 * embedded as data URIs, so it opens offline).
 */
public final class SweepReport {
    private SweepReport() {}

    /** Series names of the charts, for tests. */
    public static final Map<String, List<String>> SERIES = new LinkedHashMap<>();

    public static void write(Path dir, List<RunRecord> records, String manifestJson) throws IOException {
        List<SweepSummary.Row> rows = SweepSummary.summarize(records);
        Files.writeString(dir.resolve("summary.csv"), csv(rows));
        Map<String, Chart<?, ?>> charts = new LinkedHashMap<>();
        charts.put("speedup_vs_k", speedupChart(rows));
        charts.put("acceptance_by_position", positionChart(rows));
        charts.put("accepted_length_histogram", histogramChart(rows));
        charts.put("latency_cdf", latencyChart(records));
        Map<String, String> images = new LinkedHashMap<>();
        SERIES.clear();
        for (var e : charts.entrySet()) {
            Path png = dir.resolve(e.getKey() + ".png");
            BitmapEncoder.saveBitmap(e.getValue(), png.toString(), BitmapEncoder.BitmapFormat.PNG);
            images.put(e.getKey(), Base64.getEncoder().encodeToString(Files.readAllBytes(png)));
            SERIES.put(e.getKey(), new ArrayList<>(e.getValue().getSeriesMap().keySet()));
        }
        Files.writeString(
                dir.resolve("report.html"),
                html(rows, SweepSummary.bestK(rows), images, manifestJson),
                StandardCharsets.UTF_8);
    }

    static String csv(List<SweepSummary.Row> rows) {
        StringBuilder sb = new StringBuilder(
                "draft,k,policy,temperature,runs,alpha,alpha_lo,alpha_hi,tokens_per_call,draft_ms_per_call,"
                        + "target_ms_per_call,tokens_per_s,speedup,speedup_lo,speedup_hi,predicted_speedup,cost_ratio_c,pass_cost_ratio,"
                        + "latency_p50_ms,latency_p90_ms,latency_p99_ms,ttft_p50_ms\n");
        for (var r : rows) {
            var c = r.config();
            sb.append(String.format(
                    java.util.Locale.ROOT,
                    "%s,%d,%s,%s,%d,%.4f,%.4f,%.4f,%.3f,%.3f,%.3f,%.3f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.3f,%.3f,%.3f,%.3f%n",
                    c.draft(),
                    c.k(),
                    c.policy(),
                    c.temperature(),
                    r.runs(),
                    r.alpha(),
                    r.alphaCi()[0],
                    r.alphaCi()[1],
                    r.tokensPerCall(),
                    r.draftMsPerCall(),
                    r.targetMsPerCall(),
                    r.tokensPerSecond(),
                    r.speedup(),
                    r.speedupCi()[0],
                    r.speedupCi()[1],
                    r.predictedSpeedup(),
                    r.costRatio(),
                    r.passRatio(),
                    r.p50Ms(),
                    r.p90Ms(),
                    r.p99Ms(),
                    r.ttftP50Ms()));
        }
        return sb.toString();
    }

    private static XYChart speedupChart(List<SweepSummary.Row> rows) {
        XYChart chart = new XYChartBuilder()
                .width(800)
                .height(500)
                .title("Speedup over plain decoding vs k")
                .xAxisTitle("k")
                .yAxisTitle("speedup")
                .build();
        Map<String, List<SweepSummary.Row>> g = group(rows);
        for (var e : g.entrySet()) {
            List<SweepSummary.Row> rs = e.getValue();
            rs.sort((a, b) -> Integer.compare(a.config().k(), b.config().k()));
            double[] k = rs.stream().mapToDouble(r -> r.config().k()).toArray();
            XYSeries m = chart.addSeries(
                    e.getKey() + " measured",
                    k,
                    rs.stream().mapToDouble(SweepSummary.Row::speedup).toArray());
            m.setMarker(SeriesMarkers.CIRCLE);
            XYSeries p = chart.addSeries(
                    e.getKey() + " predicted",
                    k,
                    rs.stream().mapToDouble(SweepSummary.Row::predictedSpeedup).toArray());
            p.setMarker(SeriesMarkers.NONE);
        }
        return chart;
    }

    private static XYChart positionChart(List<SweepSummary.Row> rows) {
        XYChart chart = new XYChartBuilder()
                .width(800)
                .height(500)
                .title("Acceptance by draft position")
                .xAxisTitle("draft position")
                .yAxisTitle("acceptance")
                .build();
        for (var r : rows) {
            if (r.perPosition().length == 0) continue;
            double[] x = new double[r.perPosition().length];
            for (int i = 0; i < x.length; i++) x[i] = i + 1;
            chart.addSeries(label(r), x, r.perPosition());
        }
        if (chart.getSeriesMap().isEmpty()) chart.addSeries("no drafts", new double[] {1}, new double[] {0});
        return chart;
    }

    private static CategoryChart histogramChart(List<SweepSummary.Row> rows) {
        CategoryChart chart = new CategoryChartBuilder()
                .width(800)
                .height(500)
                .title("Accepted draft tokens per verification")
                .xAxisTitle("accepted")
                .yAxisTitle("share")
                .build();
        int max = rows.stream().mapToInt(r -> r.histogram().length).max().orElse(1);
        List<Integer> x = new ArrayList<>();
        for (int i = 0; i < max; i++) x.add(i);
        for (var r : rows) {
            long total = 0;
            for (long v : r.histogram()) total += v;
            List<Double> y = new ArrayList<>();
            for (int i = 0; i < max; i++)
                y.add(total == 0 || i >= r.histogram().length ? 0 : (double) r.histogram()[i] / total);
            chart.addSeries(label(r), x, y);
        }
        if (chart.getSeriesMap().isEmpty()) chart.addSeries("no drafts", List.of(0), List.of(0.0));
        return chart;
    }

    private static XYChart latencyChart(List<RunRecord> records) {
        XYChart chart = new XYChartBuilder()
                .width(800)
                .height(500)
                .title("Per-token latency CDF")
                .xAxisTitle("ms")
                .yAxisTitle("fraction")
                .build();
        Map<String, List<Double>> lat = new LinkedHashMap<>();
        for (RunRecord r : records) {
            String key = r.config().isBaseline()
                    ? "plain T=" + r.temperature()
                    : r.draft() + " " + r.policy() + " k=" + r.k() + " T=" + r.temperature();
            var l = lat.computeIfAbsent(key, x -> new ArrayList<>());
            for (int i = 1; i < r.tokenLatencyMs().length; i++) l.add(r.tokenLatencyMs()[i]);
        }
        for (var e : lat.entrySet()) {
            List<Double> v = e.getValue();
            if (v.isEmpty()) continue;
            v.sort(Double::compare);
            int n = v.size(), step = Math.max(1, n / 200);
            List<Double> xs = new ArrayList<>(), ys = new ArrayList<>();
            for (int i = 0; i < n; i += step) {
                xs.add(v.get(i));
                ys.add((i + 1) / (double) n);
            }
            xs.add(v.get(n - 1));
            ys.add(1.0);
            chart.addSeries(e.getKey(), xs, ys).setMarker(SeriesMarkers.NONE);
        }
        if (chart.getSeriesMap().isEmpty()) chart.addSeries("no tokens", new double[] {0}, new double[] {0});
        return chart;
    }

    private static Map<String, List<SweepSummary.Row>> group(List<SweepSummary.Row> rows) {
        Map<String, List<SweepSummary.Row>> g = new LinkedHashMap<>();
        for (var r : rows)
            g.computeIfAbsent(
                            r.config().draft() + " " + r.config().policy() + " T="
                                    + r.config().temperature(),
                            x -> new ArrayList<>())
                    .add(r);
        return g;
    }

    private static String label(SweepSummary.Row r) {
        return r.config().draft() + " " + r.config().policy() + " k="
                + r.config().k() + " T=" + r.config().temperature();
    }

    static String html(
            List<SweepSummary.Row> rows, List<SweepSummary.BestK> best, Map<String, String> images, String manifest) {
        StringBuilder sb = new StringBuilder();
        sb.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>specdec sweep</title><style>")
                .append(
                        "body{font-family:sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse;margin:1em 0}")
                .append(
                        "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f3f3f3}td:first-child{text-align:left}")
                .append("img{max-width:100%}pre{background:#f7f7f7;padding:1em;overflow:auto}</style></head><body>");
        sb.append(
                "<h1>specdec sweep</h1><p>Speedup is plain decoding time per token over speculative time per token on the same prompts, "
                        + "seeds and temperature (mean over prompts, 95% bootstrap interval over prompts). Predicted: Leviathan et al., "
                        + "(1 - a<sup>k+1</sup>) / (1 - a) tokens per step over (measured (k+1)-row pass cost + k &middot; measured draft cost per token), "
                        + "both relative to one plain decode step.</p>");
        sb.append(
                "<h2>Summary</h2><table><tr><th>draft</th><th>policy</th><th>k</th><th>T</th><th>runs</th><th>acceptance [95% CI]</th>"
                        + "<th>tokens/call</th><th>tok/s</th><th>speedup [95% CI]</th><th>predicted</th><th>c</th><th>pass cost</th><th>p50/p99 ms</th><th>TTFT p50 ms</th></tr>");
        for (var r : rows) {
            var c = r.config();
            sb.append(String.format(
                    java.util.Locale.ROOT,
                    "<tr><td>%s</td><td>%s</td><td>%d</td><td>%s</td><td>%d</td><td>%.3f [%.3f, %.3f]</td><td>%.2f</td>"
                            + "<td>%.2f</td><td>%.3f [%.3f, %.3f]</td><td>%.3f</td><td>%.3f</td><td>%.2f</td><td>%.1f / %.1f</td><td>%.1f</td></tr>",
                    esc(c.draft()),
                    c.policy(),
                    c.k(),
                    c.temperature(),
                    r.runs(),
                    r.alpha(),
                    r.alphaCi()[0],
                    r.alphaCi()[1],
                    r.tokensPerCall(),
                    r.tokensPerSecond(),
                    r.speedup(),
                    r.speedupCi()[0],
                    r.speedupCi()[1],
                    r.predictedSpeedup(),
                    r.costRatio(),
                    r.passRatio(),
                    r.p50Ms(),
                    r.p99Ms(),
                    r.ttftP50Ms()));
        }
        sb.append(
                "</table><h2>Best k</h2><table><tr><th>draft</th><th>policy</th><th>T</th><th>best k measured</th><th>speedup</th>"
                        + "<th>best k predicted</th><th>predicted speedup</th></tr>");
        for (var b : best) {
            sb.append(String.format(
                    java.util.Locale.ROOT,
                    "<tr><td>%s</td><td>%s</td><td>%s</td><td>%d</td><td>%.3f</td><td>%d</td><td>%.3f</td></tr>",
                    esc(b.draft()),
                    b.policy(),
                    b.temperature(),
                    b.measured(),
                    b.measuredSpeedup(),
                    b.predicted(),
                    b.predictedSpeedup()));
        }
        sb.append("</table><h2>Speedup by prompt category</h2><table><tr><th>configuration</th>");
        TreeSet<String> cats = new TreeSet<>();
        rows.forEach(r -> cats.addAll(r.speedupByCategory().keySet()));
        cats.forEach(c -> sb.append("<th>").append(esc(c)).append("</th>"));
        sb.append("</tr>");
        for (var r : rows) {
            sb.append("<tr><td>").append(esc(label(r))).append("</td>");
            for (String c : cats) {
                Double v = r.speedupByCategory().get(c);
                sb.append("<td>")
                        .append(v == null ? "-" : String.format(java.util.Locale.ROOT, "%.3f", v))
                        .append("</td>");
            }
            sb.append("</tr>");
        }
        sb.append("</table>");
        for (var e : images.entrySet()) {
            sb.append("<h2>")
                    .append(e.getKey().replace('_', ' '))
                    .append("</h2><img alt=\"")
                    .append(e.getKey())
                    .append("\" src=\"data:image/png;base64,")
                    .append(e.getValue())
                    .append("\">");
        }
        sb.append("<h2>Manifest</h2><pre>").append(esc(manifest)).append("</pre></body></html>");
        return sb.toString();
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
