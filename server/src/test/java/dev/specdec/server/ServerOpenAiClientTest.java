package dev.specdec.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.model.output.FinishReason;
import dev.specdec.engine.Chat;
import dev.specdec.engine.Engine;
import dev.specdec.engine.Request;
import dev.specdec.target.TestModels;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real OpenAI client library (LangChain4j's) against the chat endpoint, streaming and not; the API key; multi-turn KV reuse. */
class ServerOpenAiClientTest {
    static final String KEY = "test-key";
    static final String QUESTION = "Tell me a story about a cat.";

    @TempDir
    static Path dir;

    static Engine engine;
    static SpecdecServer server;

    @BeforeAll
    static void start() throws Exception {
        engine = Engine.builder(TestModels.qwen2WithChatTemplate(dir))
                .ngram()
                .threads(2)
                .contextLength(256)
                .build();
        server = SpecdecServer.start(engine, ServerConfig.defaults().withPort(0).withApiKey(KEY));
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
        if (engine != null) engine.close();
    }

    static String expected() {
        return engine.generate(Request.chat(List.of(Chat.Message.user(QUESTION)))
                        .maxTokens(24)
                        .greedy()
                        .build())
                .text();
    }

    @Test
    void langChain4jChatModelGetsTheEnginesGreedyReply() {
        OpenAiChatModel model = OpenAiChatModel.builder()
                .baseUrl(server.baseUri() + "/v1")
                .apiKey(KEY)
                .modelName(server.modelId())
                .temperature(0.0)
                .maxTokens(24)
                .build();
        ChatResponse r = model.chat(dev.langchain4j.data.message.UserMessage.from(QUESTION));
        assertEquals(expected(), r.aiMessage().text());
        assertTrue(
                r.finishReason() == FinishReason.STOP || r.finishReason() == FinishReason.LENGTH,
                "finish " + r.finishReason());
        assertTrue(r.tokenUsage().outputTokenCount() > 0);
    }

    @Test
    void langChain4jStreamingChatModelGetsTheSameReplyInPieces() throws Exception {
        OpenAiStreamingChatModel model = OpenAiStreamingChatModel.builder()
                .baseUrl(server.baseUri() + "/v1")
                .apiKey(KEY)
                .modelName(server.modelId())
                .temperature(0.0)
                .maxTokens(24)
                .build();
        StringBuilder text = new StringBuilder();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        model.chat(QUESTION, new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String partial) {
                text.append(partial);
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        ChatResponse r = done.get(60, TimeUnit.SECONDS);
        assertEquals(expected(), text.toString());
        assertEquals(expected(), r.aiMessage().text());
        assertTrue(
                r.finishReason() == FinishReason.STOP || r.finishReason() == FinishReason.LENGTH,
                "finish " + r.finishReason());
    }

    @Test
    void withoutTheKeyIs401() {
        Http http = new Http(server.baseUri());
        HttpResponse<String> r =
                http.post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}");
        assertEquals(401, r.statusCode());
        assertEquals(
                "invalid_api_key", Http.json(r.body()).get("error").get("code").asText());
        assertEquals(200, http.get("/health").statusCode(), "health needs no key");
    }

    /** The second turn repeats the first as its prompt: a pooled session's KV cache already holds it. */
    @Test
    void secondTurnReusesTheFirstTurnsCache() {
        Http http = new Http(server.baseUri());
        String first =
                "{\"messages\": [{\"role\": \"user\", \"content\": \"Hello there\"}], \"max_tokens\": 8, \"temperature\": 0}";
        JsonNode a = Http.json(send(http, first).body());
        String reply = a.get("choices").get(0).get("message").get("content").asText();
        assertEquals(
                "assistant", a.get("choices").get(0).get("message").get("role").asText());
        String second =
                "{\"messages\": [{\"role\": \"user\", \"content\": \"Hello there\"}, {\"role\": \"assistant\", \"content\": "
                        + Http.JSON.valueToTree(reply)
                        + "}, {\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": \"And then?\"}]}],"
                        + " \"max_tokens\": 8, \"temperature\": 0}";
        JsonNode b = Http.json(send(http, second).body());
        assertFalse(b.has("error"), b.toString());
        assertTrue(
                b.get("usage").get("prompt_tokens_details").get("cached_tokens").asInt() > 0,
                b.get("usage").toString());
    }

    static HttpResponse<String> send(Http http, String body) {
        return http.send(HttpRequest.newBuilder(http.base.resolve("/v1/chat/completions"))
                .header("Authorization", "Bearer " + KEY)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build());
    }
}
