package dev.specdec.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.FinishReason;
import dev.specdec.cli.Main;
import dev.specdec.engine.Engine;
import dev.specdec.target.TestModels;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The adapters end to end on a test model with a chat template: the same text as the CLI's chat for the same seed. */
class LangChain4jTest {

    /** The CLI's chat, one turn: its reply text. */
    static String cliReply(Path model, String message, long seed, int maxTokens) {
        InputStream old = System.in;
        try {
            System.setIn(new ByteArrayInputStream((message + "\n/exit\n").getBytes(StandardCharsets.UTF_8)));
            StringWriter out = new StringWriter(), err = new StringWriter();
            int rc = Main.run(
                    new String[] {
                        "chat",
                        "-m",
                        model.toString(),
                        "-n",
                        String.valueOf(maxTokens),
                        "--seed",
                        String.valueOf(seed),
                        "--threads",
                        "1",
                        "--draft",
                        "ngram"
                    },
                    new PrintWriter(out),
                    new PrintWriter(err));
            assertEquals(0, rc, err.toString());
            String o = out.toString();
            // "> " reply "\n" "> "
            return o.substring(2, o.lastIndexOf("\n> "));
        } finally {
            System.setIn(old);
        }
    }

    @Test
    void chatAndStreamingGiveTheCliChatsTextForTheSameSeed(@TempDir Path dir) throws Exception {
        Path model = TestModels.qwen2WithChatTemplate(dir);
        long seed = 42;
        String cli = cliReply(model, "tell me a story", seed, 24);
        assertTrue(!cli.isEmpty());
        try (Engine engine = Engine.builder(model).ngram().threads(1).build();
                SpecdecChatModel chat = SpecdecChatModel.of(engine);
                SpecdecStreamingChatModel streaming = SpecdecStreamingChatModel.of(engine)) {
            ChatRequest request = ChatRequest.builder()
                    .messages(UserMessage.from("tell me a story"))
                    .parameters(SpecdecChatRequestParameters.builder()
                            .seed(seed)
                            .maxOutputTokens(24)
                            .build())
                    .build();
            ChatResponse r = chat.chat(request);
            assertEquals(cli, r.aiMessage().text());
            SpecdecChatResponseMetadata meta = assertInstanceOf(SpecdecChatResponseMetadata.class, r.metadata());
            assertEquals(seed, meta.seed());
            assertTrue(meta.targetCalls() > 0);
            assertNotNull(r.tokenUsage());
            assertTrue(r.finishReason() == FinishReason.LENGTH || r.finishReason() == FinishReason.STOP);

            StringBuilder parts = new StringBuilder();
            CompletableFuture<ChatResponse> done = new CompletableFuture<>();
            streaming.chat(request, new StreamingChatResponseHandler() {
                @Override
                public void onPartialResponse(String text) {
                    parts.append(text);
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
            ChatResponse sr = done.get(60, TimeUnit.SECONDS);
            assertEquals(cli, parts.toString());
            assertEquals(cli, sr.aiMessage().text());

            // speculation off for one request: the same text (greedy), no drafts
            ChatRequest greedyOff = ChatRequest.builder()
                    .messages(SystemMessage.from("be brief"), UserMessage.from("hello"))
                    .parameters(SpecdecChatRequestParameters.builder()
                            .temperature(0.0)
                            .speculate(false)
                            .maxOutputTokens(12)
                            .build())
                    .build();
            ChatRequest greedyOn = ChatRequest.builder()
                    .messages(SystemMessage.from("be brief"), UserMessage.from("hello"))
                    .parameters(SpecdecChatRequestParameters.builder()
                            .temperature(0.0)
                            .k(6)
                            .maxOutputTokens(12)
                            .build())
                    .build();
            ChatResponse off = chat.chat(greedyOff), on = chat.chat(greedyOn);
            assertEquals(off.aiMessage().text(), on.aiMessage().text());
            assertEquals(0, ((SpecdecChatResponseMetadata) off.metadata()).draftTokens());
        }
    }

    @Test
    void errorsReachOnError(@TempDir Path dir) throws Exception {
        Path model = TestModels.qwen2WithChatTemplate(dir);
        try (Engine engine = Engine.builder(model).threads(1).contextLength(64).build();
                SpecdecChatModel chat = SpecdecChatModel.of(engine);
                SpecdecStreamingChatModel streaming = SpecdecStreamingChatModel.of(engine)) {
            ChatRequest tool = ChatRequest.builder()
                    .messages(UserMessage.from("hi"), ToolExecutionResultMessage.from("id", "tool", "42"))
                    .build();
            assertThrows(UnsupportedFeatureException.class, () -> chat.chat(tool));
            ChatRequest tooLong = ChatRequest.builder()
                    .messages(UserMessage.from("word ".repeat(200)))
                    .build();
            CompletableFuture<Throwable> error = new CompletableFuture<>();
            streaming.chat(tooLong, new StreamingChatResponseHandler() {
                @Override
                public void onCompleteResponse(ChatResponse response) {
                    error.complete(null);
                }

                @Override
                public void onError(Throwable e) {
                    error.complete(e);
                }
            });
            Throwable e = error.get(60, TimeUnit.SECONDS);
            assertInstanceOf(IllegalArgumentException.class, e);
            assertTrue(e.getMessage().contains("context holds 64"), e.getMessage());
            CompletableFuture<Throwable> error2 = new CompletableFuture<>();
            streaming.chat(tool, new StreamingChatResponseHandler() {
                @Override
                public void onCompleteResponse(ChatResponse response) {
                    error2.complete(null);
                }

                @Override
                public void onError(Throwable x) {
                    error2.complete(x);
                }
            });
            assertInstanceOf(UnsupportedFeatureException.class, error2.get(60, TimeUnit.SECONDS));
        }
    }
}
