package dev.specdec.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * A bounded load test of a running server: N clients, each sending M streamed greedy completions
 * one after another; it measures what a client sees (time to first token, time between tokens,
 * tokens per second over the run). Each request's prompt starts with a tag unique to its run and
 * request, so no request finds its prompt already in a KV cache that an earlier run filled (a
 * server keeps prompts cached for the next turn of a chat): every run pays for its prefills.
 */
public final class LoadBenchmark {
    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    private final URI completions;
    private final String apiKey;
    private final List<String> prompts;
    private final int maxTokens;
    private final AtomicInteger runs = new AtomicInteger();

    /** One run's numbers; latencies in milliseconds. */
    public record Result(
            int clients,
            boolean speculation,
            int requests,
            int failed,
            long tokens,
            double seconds,
            double tokensPerSecond,
            double ttftP50,
            double ttftP99,
            double itlP50,
            double itlP99,
            long draftTokens,
            double acceptanceRate,
            String firstError) {}

    public LoadBenchmark(URI base, String apiKey, List<String> prompts, int maxTokens) {
        if (prompts.isEmpty()) throw new IllegalArgumentException("the prompt set is empty");
        if (maxTokens < 1) throw new IllegalArgumentException("max tokens must be >= 1, got " + maxTokens);
        this.completions = base.resolve("/v1/completions");
        this.apiKey = apiKey;
        this.prompts = List.copyOf(prompts);
        this.maxTokens = maxTokens;
    }

    /** {@code clients} clients x {@code requestsPerClient} requests, with the server's speculation or with it off. */
    public Result run(int clients, int requestsPerClient, boolean speculation) throws InterruptedException {
        Histogram ttft = new ConcurrentHistogram(3_600_000_000L, 3), itl = new ConcurrentHistogram(3_600_000_000L, 3);
        AtomicLong tokens = new AtomicLong(), drafted = new AtomicLong(), accepted = new AtomicLong();
        AtomicInteger failed = new AtomicInteger();
        List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        int run = runs.incrementAndGet();
        long start = System.nanoTime();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> all = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                all.add(pool.submit(() -> {
                    for (int j = 0; j < requestsPerClient; j++) {
                        int index = client * requestsPerClient + j;
                        String prompt = "[" + run + "." + index + "] " + prompts.get(index % prompts.size());
                        try {
                            one(prompt, speculation, ttft, itl, tokens, drafted, accepted);
                        } catch (IOException | RuntimeException e) {
                            failed.incrementAndGet();
                            errors.add(e.getMessage());
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                    }
                }));
            }
            for (Future<?> f : all) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IllegalStateException(e.getCause());
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        int requests = clients * requestsPerClient;
        return new Result(
                clients,
                speculation,
                requests,
                failed.get(),
                tokens.get(),
                seconds,
                tokens.get() / seconds,
                ms(ttft, 50),
                ms(ttft, 99),
                ms(itl, 50),
                ms(itl, 99),
                drafted.get(),
                drafted.get() == 0 ? Double.NaN : (double) accepted.get() / drafted.get(),
                errors.isEmpty() ? null : errors.getFirst());
    }

    private void one(
            String prompt,
            boolean speculation,
            Histogram ttft,
            Histogram itl,
            AtomicLong tokens,
            AtomicLong drafted,
            AtomicLong accepted)
            throws IOException, InterruptedException {
        ObjectNode body = Json.object()
                .put("prompt", prompt)
                .put("max_tokens", maxTokens)
                .put("temperature", 0)
                .put("stream", true);
        body.putObject("stream_options").put("include_usage", true);
        if (!speculation) body.putObject("speculative").put("draft", "off");
        HttpRequest.Builder r = HttpRequest.newBuilder(completions)
                .timeout(Duration.ofMinutes(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.MAPPER.writeValueAsString(body)));
        if (apiKey != null) r.header("Authorization", "Bearer " + apiKey);
        long sent = System.nanoTime(), last = -1;
        HttpResponse<Stream<String>> response = client.send(r.build(), HttpResponse.BodyHandlers.ofLines());
        try (Stream<String> lines = response.body()) {
            if (response.statusCode() != 200) {
                throw new IOException("HTTP " + response.statusCode() + ": " + String.join("\n", lines.toList()));
            }
            for (Iterator<String> it = lines.iterator(); it.hasNext(); ) {
                String line = it.next();
                if (!line.startsWith("data: ") || line.equals("data: [DONE]")) continue;
                long now = System.nanoTime();
                JsonNode chunk = Json.MAPPER.readTree(line.substring(6));
                if (chunk.has("error"))
                    throw new IOException(chunk.get("error").get("message").asText());
                JsonNode choices = chunk.get("choices");
                if (choices != null
                        && !choices.isEmpty()
                        && !choices.get(0).get("text").asText().isEmpty()) {
                    if (last < 0) ttft.recordValue((now - sent) / 1000);
                    else itl.recordValue((now - last) / 1000);
                    last = now;
                }
                if (chunk.hasNonNull("usage"))
                    tokens.addAndGet(chunk.get("usage").get("completion_tokens").asLong());
                if (chunk.hasNonNull("speculative")) {
                    drafted.addAndGet(
                            chunk.get("speculative").get("draft_tokens").asLong());
                    accepted.addAndGet(
                            chunk.get("speculative").get("accepted_tokens").asLong());
                }
            }
        }
    }

    private static double ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1000.0;
    }

    /** The results as a Markdown table. */
    public static String table(List<Result> results) {
        StringBuilder b = new StringBuilder(
                "| clients | speculation | requests | failed | tokens | seconds | tokens/s | TTFT p50 ms | TTFT p99 ms "
                        + "| ITL p50 ms | ITL p99 ms | draft tokens | acceptance |\n"
                        + "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Result r : results) {
            b.append(String.format(
                    java.util.Locale.ROOT,
                    "| %d | %s | %d | %d | %d | %.2f | %.1f | %.1f | %.1f | %.2f | %.2f | %s | %s |%n",
                    r.clients(),
                    r.speculation() ? "on" : "off",
                    r.requests(),
                    r.failed(),
                    r.tokens(),
                    r.seconds(),
                    r.tokensPerSecond(),
                    r.ttftP50(),
                    r.ttftP99(),
                    r.itlP50(),
                    r.itlP99(),
                    r.speculation() ? String.valueOf(r.draftTokens()) : "-",
                    r.draftTokens() > 0 ? String.format(java.util.Locale.ROOT, "%.2f", r.acceptanceRate()) : "-"));
        }
        return b.toString();
    }
}
