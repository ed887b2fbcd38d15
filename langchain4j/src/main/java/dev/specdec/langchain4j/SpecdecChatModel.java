package dev.specdec.langchain4j;

import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.specdec.engine.Engine;
import dev.specdec.engine.Session;
import dev.specdec.engine.SessionPool;

/**
 * A LangChain4j {@link ChatModel} over a specdec {@link Engine}: the chat template from the GGUF
 * file, speculative decoding with the engine's draft, and the speculation statistics in the
 * response's {@link SpecdecChatResponseMetadata}. Thread-safe (each call runs on a session of its
 * own). Closing it closes its idle sessions, not the engine, which belongs to the caller.
 */
public final class SpecdecChatModel implements ChatModel, AutoCloseable {
    private final Engine engine;
    private final SessionPool sessions;
    private final SpecdecChatRequestParameters defaults;

    private SpecdecChatModel(Engine engine, SpecdecChatRequestParameters defaults) {
        this.engine = engine;
        this.sessions = new SessionPool(engine, Integer.MAX_VALUE);
        this.defaults = defaults;
    }

    /** A model with the engine's defaults. */
    public static SpecdecChatModel of(Engine engine) {
        return new SpecdecChatModel(
                engine,
                SpecdecChatRequestParameters.builder()
                        .modelName(engine.targetFile().getFileName().toString())
                        .build());
    }

    /** A model whose requests default to these parameters (a request's own win). */
    public static SpecdecChatModel of(Engine engine, SpecdecChatRequestParameters defaults) {
        return new SpecdecChatModel(engine, defaults);
    }

    @Override
    public ChatResponse doChat(ChatRequest request) {
        RequestMapping.Mapped mapped = RequestMapping.map(engine, request);
        Session s = sessions.take(mapped.prompt());
        try {
            return RequestMapping.toResponse(engine, s.generate(mapped.request()));
        } finally {
            sessions.giveBack(s);
        }
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
