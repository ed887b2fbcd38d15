package dev.specdec.server;

import dev.specdec.draft.DraftProposal;
import dev.specdec.engine.Result;
import dev.specdec.verifier.DecodeStats;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

/**
 * What /metrics reports, in Prometheus' text format. Names follow vLLM's with a {@code specdec:}
 * prefix where vLLM has one ({@code vllm:spec_decode_num_drafts} -> {@code specdec:spec_decode_num_drafts}),
 * so dashboards built for vLLM read these with the prefix changed.
 */
final class Metrics {
    private final LongAdder promptTokens = new LongAdder(),
            cachedPromptTokens = new LongAdder(),
            generationTokens = new LongAdder();
    private final Map<String, LongAdder> finished = new ConcurrentHashMap<>(); // by finished_reason
    private final Map<String, LongAdder> failed = new ConcurrentHashMap<>(); // by error code
    private final LongAdder drafts = new LongAdder(), draftTokens = new LongAdder(), acceptedTokens = new LongAdder();
    private final LongAdder[] acceptedAtPosition = new LongAdder[DraftProposal.MAX_TOKENS];
    // vLLM's bucket bounds, with finer ones below 10 ms: small models on CPUs are that fast
    final LatencyHistogram timeToFirstToken = new LatencyHistogram(
            0.001, 0.0025, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0,
            40.0, 80.0, 160.0, 640.0);
    final LatencyHistogram interTokenLatency = new LatencyHistogram(
            0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0,
            2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0);
    final LatencyHistogram requestLatency = new LatencyHistogram(
            0.01, 0.05, 0.1, 0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0,
            240.0, 480.0, 960.0, 1920.0);
    private final IntSupplier running, waiting, sessions;

    Metrics(IntSupplier running, IntSupplier waiting, IntSupplier sessions) {
        this.running = running;
        this.waiting = waiting;
        this.sessions = sessions;
        for (int i = 0; i < acceptedAtPosition.length; i++) acceptedAtPosition[i] = new LongAdder();
    }

    /** A generation that ended normally (also one a client left: its tokens were computed). */
    void completed(Result r, String finishReason) {
        promptTokens.add(r.usage().promptTokens());
        cachedPromptTokens.add(r.usage().cachedPromptTokens());
        generationTokens.add(r.usage().completionTokens());
        if (finishReason != null)
            finished.computeIfAbsent(finishReason, k -> new LongAdder()).increment();
        DecodeStats s = r.stats();
        long steps = 0;
        for (long n : s.acceptedLengthHistogram()) steps += n; // verifications that had a draft
        drafts.add(steps);
        draftTokens.add(s.draftTokens());
        acceptedTokens.add(s.acceptedTokens());
        long[] at = s.acceptedAtPosition();
        for (int i = 0; i < at.length; i++) acceptedAtPosition[i].add(at[i]);
    }

    /** A request answered with an error (by its code: queue_full, invalid_value, timeout, ...). */
    void failed(String code) {
        failed.computeIfAbsent(code == null ? "error" : code, k -> new LongAdder())
                .increment();
    }

    String prometheus() {
        StringBuilder b = new StringBuilder(8192);
        gauge(b, "num_requests_running", "Requests generating now (each holds a session).", running.getAsInt());
        gauge(b, "num_requests_waiting", "Requests waiting for a free slot.", waiting.getAsInt());
        gauge(b, "num_sessions", "Sessions open (generating or idle with a reusable KV cache).", sessions.getAsInt());
        counter(b, "prompt_tokens", "Prompt tokens of finished requests.", promptTokens.sum());
        counter(
                b,
                "prompt_tokens_cached",
                "Prompt tokens a session's KV cache already held (not recomputed).",
                cachedPromptTokens.sum());
        counter(b, "generation_tokens", "Generated tokens.", generationTokens.sum());
        labelled(b, "request_success", "Requests finished, by finish reason.", "finished_reason", finished);
        labelled(b, "request_failure", "Requests answered with an error, by error code.", "code", failed);
        histogram(
                b,
                "time_to_first_token_seconds",
                "Time from the request's arrival to its first token.",
                timeToFirstToken);
        histogram(b, "inter_token_latency_seconds", "Time between consecutive tokens of a request.", interTokenLatency);
        histogram(
                b, "e2e_request_latency_seconds", "Time from the request's arrival to its last token.", requestLatency);
        counter(b, "spec_decode_num_drafts", "Verification steps that had draft tokens.", drafts.sum());
        counter(b, "spec_decode_num_draft_tokens", "Draft tokens proposed.", draftTokens.sum());
        counter(b, "spec_decode_num_accepted_tokens", "Draft tokens accepted.", acceptedTokens.sum());
        String name = "specdec:spec_decode_num_accepted_tokens_per_pos";
        b.append("# HELP ").append(name).append(" Draft tokens accepted at each draft position (0 = first).\n");
        b.append("# TYPE ").append(name).append(" counter\n");
        int deepest = acceptedAtPosition.length;
        while (deepest > 1 && acceptedAtPosition[deepest - 1].sum() == 0) deepest--;
        for (int i = 0; i < deepest; i++) {
            b.append(name)
                    .append("_total{position=\"")
                    .append(i)
                    .append("\"} ")
                    .append(acceptedAtPosition[i].sum())
                    .append('\n');
        }
        return b.toString();
    }

    private static void gauge(StringBuilder b, String name, String help, long value) {
        header(b, name, help, "gauge")
                .append("specdec:")
                .append(name)
                .append(' ')
                .append(value)
                .append('\n');
    }

    /** Counters are exposed with _total, as Prometheus clients (vLLM's too) do. */
    private static void counter(StringBuilder b, String name, String help, long value) {
        header(b, name, help, "counter")
                .append("specdec:")
                .append(name)
                .append("_total ")
                .append(value)
                .append('\n');
    }

    private static void labelled(
            StringBuilder b, String name, String help, String label, Map<String, LongAdder> values) {
        header(b, name, help, "counter");
        values.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> b.append("specdec:")
                        .append(name)
                        .append("_total{")
                        .append(label)
                        .append("=\"")
                        .append(e.getKey())
                        .append("\"} ")
                        .append(e.getValue().sum())
                        .append('\n'));
    }

    private static void histogram(StringBuilder b, String name, String help, LatencyHistogram h) {
        header(b, name, help, "histogram");
        LatencyHistogram.Snapshot s = h.snapshot();
        String n = "specdec:" + name;
        for (int i = 0; i < s.bounds().length; i++) {
            b.append(n)
                    .append("_bucket{le=\"")
                    .append(number(s.bounds()[i]))
                    .append("\"} ")
                    .append(s.cumulative()[i])
                    .append('\n');
        }
        b.append(n).append("_bucket{le=\"+Inf\"} ").append(s.count()).append('\n');
        b.append(n).append("_sum ").append(number(s.sumSeconds())).append('\n');
        b.append(n).append("_count ").append(s.count()).append('\n');
    }

    private static StringBuilder header(StringBuilder b, String name, String help, String type) {
        return b.append("# HELP specdec:")
                .append(name)
                .append(' ')
                .append(help)
                .append('\n')
                .append("# TYPE specdec:")
                .append(name)
                .append(' ')
                .append(type)
                .append('\n');
    }

    private static String number(double v) {
        return String.format(Locale.ROOT, "%s", v);
    }
}
