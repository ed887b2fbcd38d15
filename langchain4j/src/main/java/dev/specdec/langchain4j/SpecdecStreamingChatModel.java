package dev.specdec.langchain4j;

import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.specdec.engine.Engine;
import dev.specdec.engine.Request;
import dev.specdec.engine.Result;
import dev.specdec.engine.Session;
import dev.specdec.engine.SessionPool;
import dev.specdec.engine.TokenStream;

/**
 * A LangChain4j {@link StreamingChatModel} over a specdec {@link Engine}: each call generates on a
 * virtual thread of its own and streams the text as it is committed (a speculative step commits
 * several tokens at once). Errors, bad requests included, reach the handler's onError.
 */
public final class SpecdecStreamingChatModel implements StreamingChatModel, AutoCloseable {
    private final Engine engine;
    private final SessionPool sessions;
    private final SpecdecChatRequestParameters defaults;

    private SpecdecStreamingChatModel(Engine engine, SpecdecChatRequestParameters defaults) {
        this.engine = engine;
        this.sessions = new SessionPool(engine, Integer.MAX_VALUE);
        this.defaults = defaults;
    }

    public static SpecdecStreamingChatModel of(Engine engine) {
        return new SpecdecStreamingChatModel(
                engine,
                SpecdecChatRequestParameters.builder()
                        .modelName(engine.targetFile().getFileName().toString())
                        .build());
    }

    public static SpecdecStreamingChatModel of(Engine engine, SpecdecChatRequestParameters defaults) {
        return new SpecdecStreamingChatModel(engine, defaults);
    }

    @Override
    public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
        Thread.ofVirtual().name("specdec-stream").start(() -> {
            Request r;
            Session s;
            try {
                RequestMapping.Mapped mapped = RequestMapping.map(engine, request);
                r = mapped.request();
                s = sessions.take(mapped.prompt());
            } catch (RuntimeException e) {
                handler.onError(e);
                return;
            }
            Result result = null;
            RuntimeException error = null;
            try {
                result = s.generate(r, new TokenStream() {
                    @Override
                    public void onToken(int id, String text) {
                        if (!text.isEmpty()) handler.onPartialResponse(text);
                    }

                    @Override
                    public void onText(String text) {
                        handler.onPartialResponse(text);
                    }
                });
            } catch (RuntimeException e) {
                error = e;
            } finally {
                // the session goes back before the caller hears of the end: a caller that then closes the engine finds
                // it closed
                sessions.giveBack(s);
            }
            if (error != null) handler.onError(error);
            else handler.onCompleteResponse(RequestMapping.toResponse(engine, result));
        });
    }

    @Override
    public ChatRequestParameters defaultRequestParameters() {
        return defaults;
    }

    @Override
    public ModelProvider provider() {
        return ModelProvider.OTHER;
    }

    @Override
    public void close() {
        sessions.close();
    }
}
