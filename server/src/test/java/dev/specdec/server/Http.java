package dev.specdec.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The tests' JDK HttpClient calls against a running server. */
final class Http {
    static final ObjectMapper JSON = new ObjectMapper();
    final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    final URI base;

    Http(URI base) {
        this.base = base;
    }

    HttpResponse<String> post(String path, String body) {
        return send(HttpRequest.newBuilder(base.resolve(path))
                .timeout(Duration.ofSeconds(120))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build());
    }

    HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(base.resolve(path))
                .timeout(Duration.ofSeconds(30))
                .GET()
                .build());
    }

    HttpResponse<String> send(HttpRequest r) {
        try {
            return client.send(r, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static JsonNode json(String s) {
        try {
            return JSON.readTree(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The data of each SSE event of a streamed response, in order ("[DONE]" included). */
    static List<String> events(String body) {
        List<String> out = new ArrayList<>();
        for (String block : body.split("\n\n")) {
            if (block.isBlank()) continue;
            if (!block.startsWith("data: ")) throw new AssertionError("not an SSE data event: " + block);
            out.add(block.substring(6));
        }
        return out;
    }

    /** A value of /metrics (a sample line's name with its labels, e.g. {@code specdec:num_requests_running}). */
    double metric(String sample) {
        return metric(sample, false);
    }

    /** As {@link #metric(String)}; a sample that is not there yet reads 0 when {@code optional}. */
    double metric(String sample, boolean optional) {
        String text = get("/metrics").body();
        Matcher m =
                Pattern.compile("(?m)^" + Pattern.quote(sample) + " (\\S+)$").matcher(text);
        if (m.find()) return Double.parseDouble(m.group(1));
        if (optional) return 0;
        throw new AssertionError("no metric " + sample + " in\n" + text);
    }

    /**
     * The value of a gauge once it settles at {@code expected}, or its last value after 10 s: a
     * request's slot is given back just after its last byte is written, so a client that has its
     * response can read the gauge a moment before it drops.
     */
    double metricSettled(String sample, double expected) throws InterruptedException {
        long until = System.nanoTime() + 10_000_000_000L;
        double v = metric(sample);
        while (v != expected && System.nanoTime() < until) {
            Thread.sleep(20);
            v = metric(sample);
        }
        return v;
    }
}
