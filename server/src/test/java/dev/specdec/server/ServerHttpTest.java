package dev.specdec.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.specdec.engine.Engine;
import dev.specdec.engine.Request;
import dev.specdec.target.TestData;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The endpoints over real HTTP on loopback (JDK HttpClient): completions whole and streamed, per-request speculation, bad input, metrics, disconnects. */
class ServerHttpTest {
    static final String PROMPT = "Once upon a time";
    static Engine engine;
    static SpecdecServer server;
    static Http http;

    @BeforeAll
    static void start() throws Exception {
        engine = Engine.builder(TestData.model("llama2-spm-d256-f32.gguf"))
                .draft(TestData.model("llama2-spm-d256-q4_0.gguf"))
                .threads(2)
                .contextLength(256)
                .build();
        server = SpecdecServer.start(
                engine, ServerConfig.defaults().withPort(0).withLimits(4, 8).withMaxBodyBytes(16 * 1024));
        http = new Http(server.baseUri());
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
        if (engine != null) engine.close();
    }

    static String completion(String extra) {
        return "{\"model\": \"" + server.modelId() + "\", \"prompt\": \"" + PROMPT
                + "\", \"max_tokens\": 24, \"temperature\": 0" + extra + "}";
    }

    @Test
    void completionIsTheEnginesGreedyTextWithUsageAndSpeculationStatistics() {
        String expected = engine.generate(
                        Request.text(PROMPT).maxTokens(24).greedy().build())
                .text();
        HttpResponse<String> r = http.post("/v1/completions", completion(""));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = Http.json(r.body());
        assertEquals("text_completion", body.get("object").asText());
        assertEquals(server.modelId(), body.get("model").asText());
        JsonNode choice = body.get("choices").get(0);
        assertEquals(expected, choice.get("text").asText());
        assertTrue(
                List.of("stop", "length").contains(choice.get("finish_reason").asText()));
        JsonNode usage = body.get("usage");
        assertEquals(
                usage.get("prompt_tokens").asInt()
                        + usage.get("completion_tokens").asInt(),
                usage.get("total_tokens").asInt());
        JsonNode spec = body.get("speculative");
        assertTrue(spec.get("draft_tokens").asLong() > 0, "the engine's draft speculated: " + spec);
        assertTrue(spec.get("acceptance_rate").asDouble() >= 0
                && spec.get("acceptance_rate").asDouble() <= 1);
        assertTrue(spec.get("tokens_per_target_call").asDouble() >= 1);
    }

    @Test
    void speculationOffPerRequestGivesTheSameGreedyTextWithoutDrafts() {
        JsonNode on = Http.json(
                http.post("/v1/completions", completion(", \"speculative\": {\"k\": 6, \"policy\": \"fixed\"}"))
                        .body());
        JsonNode off = Http.json(http.post("/v1/completions", completion(", \"speculative\": {\"draft\": \"off\"}"))
                .body());
        JsonNode ngram = Http.json(
                http.post("/v1/completions", completion(", \"speculative\": {\"draft\": \"ngram\", \"k\": 3}"))
                        .body());
        String text = on.get("choices").get(0).get("text").asText();
        assertEquals(text, off.get("choices").get(0).get("text").asText());
        assertEquals(text, ngram.get("choices").get(0).get("text").asText());
        assertEquals(0, off.get("speculative").get("draft_tokens").asLong());
        assertTrue(on.get("speculative").get("draft_tokens").asLong() > 0);
    }

    @Test
    void streamedChunksPutTogetherAreTheWholeTextAndEndWithUsageAndDone() {
        String whole = Http.json(http.post("/v1/completions", completion("")).body())
                .get("choices")
                .get(0)
                .get("text")
                .asText();
        HttpResponse<String> r = http.post(
                "/v1/completions", completion(", \"stream\": true, \"stream_options\": {\"include_usage\": true}"));
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        List<String> events = Http.events(r.body());
        assertEquals("[DONE]", events.getLast());
        StringBuilder text = new StringBuilder();
        String finish = null;
        for (String e : events.subList(0, events.size() - 2)) {
            JsonNode c = Http.json(e).get("choices").get(0);
            text.append(c.get("text").asText());
            if (!c.get("finish_reason").isNull())
                finish = c.get("finish_reason").asText();
        }
        assertEquals(whole, text.toString());
        assertNotNull(finish, "a chunk carries the finish reason");
        JsonNode last = Http.json(events.get(events.size() - 2));
        assertTrue(last.get("choices").isEmpty(), "the usage chunk has no choices");
        assertEquals(
                Http.json(http.post("/v1/completions", completion("")).body())
                        .get("usage")
                        .get("completion_tokens")
                        .asInt(),
                last.get("usage").get("completion_tokens").asInt());
        assertTrue(last.get("speculative").get("draft_tokens").asLong() > 0, "the statistics ride on the last chunk");
    }

    @Test
    void modelsHealthAndMetrics() {
        JsonNode models = Http.json(http.get("/v1/models").body());
        assertEquals(
                "llama2-spm-d256-f32.gguf", models.get("data").get(0).get("id").asText());
        assertEquals(200, http.get("/health").statusCode());
        http.post("/v1/completions", completion(""));
        String metrics = http.get("/metrics").body();
        for (String name : List.of(
                "specdec:num_requests_running ",
                "specdec:num_requests_waiting ",
                "specdec:generation_tokens_total ",
                "specdec:time_to_first_token_seconds_bucket{le=\"+Inf\"} ",
                "specdec:inter_token_latency_seconds_count ",
                "specdec:spec_decode_num_drafts_total ",
                "specdec:spec_decode_num_draft_tokens_total ",
                "specdec:spec_decode_num_accepted_tokens_total ",
                "specdec:spec_decode_num_accepted_tokens_per_pos_total{position=\"0\"} ")) {
            assertTrue(metrics.contains(name), name + " in\n" + metrics);
        }
        assertTrue(http.metric("specdec:spec_decode_num_draft_tokens_total") > 0);
        assertTrue(http.metric("specdec:time_to_first_token_seconds_count") > 0);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            malformed JSON            | {"prompt": "x",                                        | 400 |             | invalid_json
            not an object             | [1, 2]                                                 | 400 |             | invalid_json
            no prompt                 | {"max_tokens": 3}                                      | 400 | prompt      | invalid_value
            temperature wrong type    | {"prompt": "x", "temperature": "hot"}                  | 400 | temperature | invalid_value
            temperature below 0       | {"prompt": "x", "temperature": -0.5}                   | 400 | temperature | invalid_value
            top_p above 1             | {"prompt": "x", "top_p": 1.5}                          | 400 | top_p       | invalid_value
            max_tokens 0              | {"prompt": "x", "max_tokens": 0}                       | 400 | max_tokens  | invalid_value
            max_tokens fraction       | {"prompt": "x", "max_tokens": 2.5}                     | 400 | max_tokens  | invalid_value
            n 2                       | {"prompt": "x", "n": 2}                                | 400 | n           | invalid_value
            stop wrong type           | {"prompt": "x", "stop": 5}                             | 400 | stop        | invalid_value
            stream wrong type         | {"prompt": "x", "stream": "yes"}                       | 400 | stream      | invalid_value
            logit_bias outside vocab  | {"prompt": "x", "logit_bias": {"99999": 5}}            | 400 | logit_bias  | invalid_value
            speculative k 0           | {"prompt": "x", "speculative": {"k": 0}}               | 400 | speculative.k | invalid_value
            speculative draft unknown | {"prompt": "x", "speculative": {"draft": "big"}}       | 400 | speculative.draft | invalid_value
            speculative policy        | {"prompt": "x", "speculative": {"policy": "psychic"}}  | 400 | speculative.policy | invalid_value
            unknown model             | {"prompt": "x", "model": "gpt-9"}                      | 404 | model       | model_not_found
            """)
    void badInputIsA4xxNamingTheField(String what, String body, int status, String param, String code) {
        HttpResponse<String> r = http.post("/v1/completions", body);
        assertEquals(status, r.statusCode(), r.body());
        JsonNode err = Http.json(r.body()).get("error");
        assertNotNull(err, r.body());
        assertFalse(err.get("message").asText().isBlank());
        assertEquals(code, err.get("code").asText());
        if (param == null) assertTrue(err.get("param").isNull(), r.body());
        else assertEquals(param, err.get("param").asText(), r.body());
        if (status == 400) assertEquals("invalid_request_error", err.get("type").asText());
    }

    @Test
    void promptLongerThanTheContextIs400() {
        StringBuilder ids = new StringBuilder("[1");
        for (int i = 0; i < 300; i++) ids.append(", 100");
        HttpResponse<String> r = http.post("/v1/completions", "{\"prompt\": " + ids + "]}");
        assertEquals(400, r.statusCode(), r.body());
        JsonNode err = Http.json(r.body()).get("error");
        assertEquals("context_length_exceeded", err.get("code").asText());
        assertEquals("prompt", err.get("param").asText());
    }

    @Test
    void oversizedBodyIs413AndUnknownPathsAndMethodsAre404And405() {
        HttpResponse<String> r = http.post("/v1/completions", "{\"prompt\": \"" + "a".repeat(20_000) + "\"}");
        assertEquals(413, r.statusCode(), r.body());
        assertEquals(
                "request_too_large",
                Http.json(r.body()).get("error").get("code").asText());
        assertEquals(404, http.get("/v1/nothing").statusCode());
        HttpResponse<String> get = http.get("/v1/completions");
        assertEquals(405, get.statusCode());
        assertEquals(
                "method_not_allowed",
                Http.json(get.body()).get("error").get("code").asText());
    }

    /** A client that hangs up mid-stream: the generation is cancelled and its session freed (the running gauge goes back to 0). */
    @Test
    void disconnectMidStreamFreesTheSession() throws Exception {
        double before = http.metric("specdec:request_failure_total{code=\"client_disconnected\"}", true);
        // EOS banned and the whole context asked for: it would run to the end of the context
        String body = "{\"prompt\": \"" + PROMPT
                + "\", \"max_tokens\": 240, \"temperature\": 0, \"stream\": true, \"logit_bias\": {\"2\": -100},"
                + " \"speculative\": {\"draft\": \"off\"}}";
        try (Socket s = new Socket(server.baseUri().getHost(), server.port())) {
            OutputStream out = s.getOutputStream();
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            out.write(
                    ("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: "
                                    + bytes.length + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            out.write(bytes);
            out.flush();
            InputStream in = s.getInputStream();
            String seen = "";
            while (!seen.contains("data: ")) seen += new String(in.readNBytes(1), StandardCharsets.US_ASCII);
        } // hang up after the first event
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (http.metric("specdec:request_failure_total{code=\"client_disconnected\"}", true) <= before
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(before + 1, http.metric("specdec:request_failure_total{code=\"client_disconnected\"}", true));
        assertEquals(0, http.metricSettled("specdec:num_requests_running", 0));
        // the server goes on serving
        assertEquals(200, http.post("/v1/completions", completion("")).statusCode());
    }
}
