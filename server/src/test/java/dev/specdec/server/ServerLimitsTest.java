package dev.specdec.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.specdec.engine.Engine;
import dev.specdec.target.TestData;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The limits: a full queue is 429 with Retry-After, the request timeout cancels, a shutdown ends streams cleanly and frees every session. */
class ServerLimitsTest {
    /** EOS banned and no speculation: it runs for the whole of max_tokens. */
    static final String LONG =
            "{\"prompt\": \"Once upon a time\", \"max_tokens\": 200, \"temperature\": 0, \"logit_bias\": {\"2\": -100},"
                    + " \"speculative\": {\"draft\": \"off\"}, \"stream\": %s}";

    static Engine engine;

    @BeforeAll
    static void load() {
        engine = Engine.builder(TestData.model("llama2-spm-d256-f32.gguf"))
                .threads(2)
                .contextLength(256)
                .build();
    }

    @AfterAll
    static void close() {
        if (engine != null) engine.close();
    }

    @Test
    void aFullQueueIs429WithRetryAfter() throws Exception {
        try (SpecdecServer server =
                SpecdecServer.start(engine, ServerConfig.defaults().withPort(0).withLimits(1, 0))) {
            Http http = new Http(server.baseUri());
            CountDownLatch go = new CountDownLatch(1);
            List<Future<HttpResponse<String>>> all = new ArrayList<>();
            try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < 8; i++) {
                    all.add(clients.submit(() -> {
                        go.await();
                        return http.post("/v1/completions", LONG.formatted("false"));
                    }));
                }
                go.countDown();
                int ok = 0, refused = 0;
                for (Future<HttpResponse<String>> f : all) {
                    HttpResponse<String> r = f.get(120, TimeUnit.SECONDS);
                    if (r.statusCode() == 200) {
                        ok++;
                    } else {
                        assertEquals(429, r.statusCode(), r.body());
                        assertEquals("1", r.headers().firstValue("Retry-After").orElse(null));
                        JsonNode err = Http.json(r.body()).get("error");
                        assertEquals("queue_full", err.get("code").asText());
                        assertEquals("rate_limit_error", err.get("type").asText());
                        refused++;
                    }
                }
                assertTrue(ok >= 1, "one ran");
                assertTrue(refused >= 1, "with one slot and no queue, eight at once cannot all run");
            }
            assertEquals(0, http.metricSettled("specdec:num_requests_running", 0));
        }
    }

    @Test
    void theRequestTimeoutCancelsTheGenerationWith504() throws Exception {
        try (SpecdecServer server = SpecdecServer.start(
                engine, ServerConfig.defaults().withPort(0).withRequestTimeout(Duration.ofMillis(1)))) {
            Http http = new Http(server.baseUri());
            HttpResponse<String> r = http.post("/v1/completions", LONG.formatted("false"));
            assertEquals(504, r.statusCode(), r.body());
            assertEquals("timeout", Http.json(r.body()).get("error").get("code").asText());
            HttpResponse<String> s = http.post("/v1/completions", LONG.formatted("true"));
            assertEquals(200, s.statusCode(), "a stream's status is sent before it times out");
            List<String> events = Http.events(s.body());
            assertEquals("[DONE]", events.getLast());
            assertEquals(
                    "timeout",
                    Http.json(events.get(events.size() - 2))
                            .get("error")
                            .get("code")
                            .asText());
            assertEquals(0, http.metricSettled("specdec:num_requests_running", 0));
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A stream running when the server shuts down ends with [DONE] (cancelled: an error event first); then every session is closed and the port refuses. */
    @Test
    void shutdownEndsRunningStreamsAndFreesEverySession() throws Exception {
        SpecdecServer server =
                SpecdecServer.start(engine, ServerConfig.defaults().withPort(0));
        String response;
        try (Socket s = new Socket(server.baseUri().getHost(), server.port())) {
            byte[] body = LONG.formatted("true").getBytes(StandardCharsets.UTF_8);
            OutputStream out = s.getOutputStream();
            out.write(
                    ("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + body.length + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder seen = new StringBuilder();
            while (seen.indexOf("data: ") < 0) seen.append((char) in.read());
            server.shutdown(Duration.ZERO);
            seen.append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            response = seen.toString();
        }
        assertTrue(response.contains("data: [DONE]"), response);
        if (response.contains("\"error\"")) assertTrue(response.contains("\"shutting_down\""), response);
        assertEquals(0, engine.openSessions(), "the pool closed its sessions");
        Http http = new Http(server.baseUri());
        assertThrows(UncheckedIOException.class, () -> http.get("/health"), "the port is closed");
    }
}
