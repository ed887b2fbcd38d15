package dev.specdec.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.specdec.engine.Engine;
import dev.specdec.target.TestData;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Determinism under load: 16 concurrent streams each equal their output alone, chunk for chunk. */
class ServerConcurrencyTest {
    static final String[] WORDS = {
        "Once upon a time",
        "The little dog",
        "In the forest",
        "A girl named Lily",
        "One day the sun",
        "Tom and his mom",
        "The big red ball",
        "There was a cat"
    };

    /** Different prompts, greedy and seeded sampling, different k, policies and drafters. */
    static String request(int i, String model) {
        String sampling = i % 2 == 0
                ? "\"temperature\": 0"
                : "\"temperature\": 0.9, \"top_k\": 0, \"top_p\": 0.95, \"repetition_penalty\": 1.1, \"seed\": "
                        + (1000 + i);
        String draft = switch (i % 4) {
            case 3 -> "ngram";
            case 1 -> i % 8 == 5 ? "off" : "default";
            default -> "default";
        };
        return "{\"model\": \"" + model + "\", \"prompt\": \"" + WORDS[i % WORDS.length]
                + (i >= WORDS.length ? " again" : "")
                + "\", \"max_tokens\": 32, " + sampling + ", \"stream\": true, \"speculative\": {\"draft\": \"" + draft
                + "\", \"k\": "
                + (1 + i % 5) + ", \"policy\": \"" + (i % 3 == 0 ? "fixed" : "heuristic") + "\"}}";
    }

    /** The texts of the chunks in order, checking that every chunk belongs to this response and the stream ends properly. */
    static List<String> chunks(HttpResponse<String> r) {
        assertEquals(200, r.statusCode(), r.body());
        List<String> events = Http.events(r.body());
        assertEquals("[DONE]", events.getLast());
        Set<String> ids = new HashSet<>();
        List<String> texts = new ArrayList<>();
        for (String e : events.subList(0, events.size() - 1)) {
            JsonNode c = Http.json(e);
            ids.add(c.get("id").asText());
            JsonNode choice = c.get("choices").get(0);
            texts.add(choice.get("text").asText()
                    + (choice.get("finish_reason").isNull()
                            ? ""
                            : "|" + choice.get("finish_reason").asText()));
        }
        assertEquals(1, ids.size(), "every chunk of a response carries its id: " + ids);
        return texts;
    }

    @Test
    void sixteenConcurrentStreamsEqualTheirSingleRequestOutputs() throws Exception {
        try (Engine engine = Engine.builder(TestData.model("llama2-spm-d256-f32.gguf"))
                        .draft(TestData.model("llama2-spm-d256-q4_0.gguf"))
                        .threads(2)
                        .contextLength(128)
                        .backOffInBatches(true) // as serve runs: k may shrink under load, the text may not change
                        .build();
                SpecdecServer server = SpecdecServer.start(
                        engine, ServerConfig.defaults().withPort(0).withLimits(16, 16))) {
            Http http = new Http(server.baseUri());
            int n = 16;
            List<List<String>> alone = new ArrayList<>();
            for (int i = 0; i < n; i++) alone.add(chunks(http.post("/v1/completions", request(i, server.modelId()))));
            CountDownLatch go = new CountDownLatch(1);
            List<Future<List<String>>> together = new ArrayList<>();
            try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < n; i++) {
                    int id = i;
                    together.add(clients.submit(() -> {
                        go.await();
                        return chunks(http.post("/v1/completions", request(id, server.modelId())));
                    }));
                }
                go.countDown();
                for (int i = 0; i < n; i++) {
                    List<String> got = together.get(i).get(300, TimeUnit.SECONDS);
                    assertTrue(alone.get(i).size() > 2, "request " + i + " made text: " + alone.get(i));
                    // token for token: the same text and finish reason; the chunking follows the steps, whose
                    // draft lengths may differ under load
                    assertEquals(
                            String.join("", alone.get(i)),
                            String.join("", got),
                            "request " + i + ": concurrent output differs from its output alone");
                }
            }
            assertEquals(0, http.metricSettled("specdec:num_requests_running", 0));
        }
    }
}
