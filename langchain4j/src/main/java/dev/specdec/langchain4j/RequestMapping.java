package dev.specdec.langchain4j;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import dev.specdec.engine.Chat;
import dev.specdec.engine.Engine;
import dev.specdec.engine.Request;
import dev.specdec.engine.Result;
import dev.specdec.engine.Speculation;
import dev.specdec.sampling.SamplingParams;
import java.util.ArrayList;
import java.util.List;

/** LangChain4j requests to engine requests and engine results to LangChain4j responses: one place for both models. */
final class RequestMapping {
    private RequestMapping() {}

    /** A request with its prompt as token ids: the ids choose the pooled session whose cache holds most of them. */
    record Mapped(int[] prompt, Request request) {}

    static Mapped map(Engine engine, ChatRequest chat) {
        ChatRequestParameters p = chat.parameters();
        if (p.toolSpecifications() != null && !p.toolSpecifications().isEmpty()) {
            throw new UnsupportedFeatureException("specdec does not run tools: the request has "
                    + p.toolSpecifications().size() + " tool specification(s)");
        }
        if (p.responseFormat() != null && p.responseFormat().jsonSchema() != null) {
            throw new UnsupportedFeatureException("specdec does not constrain output to a JSON schema");
        }
        List<Chat.Message> messages = new ArrayList<>();
        for (ChatMessage m : chat.messages()) messages.add(toMessage(m));
        SamplingParams.Builder s = engine.sampling().toBuilder();
        SpecdecChatRequestParameters sp = p instanceof SpecdecChatRequestParameters x ? x : null;
        if (p.temperature() != null) s.temperature(p.temperature().floatValue());
        if (p.topP() != null) s.topP(p.topP().floatValue());
        if (p.topK() != null) s.topK(p.topK());
        if (p.frequencyPenalty() != null)
            s.frequencyPenalty(p.frequencyPenalty().floatValue());
        if (p.presencePenalty() != null) s.presencePenalty(p.presencePenalty().floatValue());
        if (sp != null && sp.minP() != null) s.minP(sp.minP().floatValue());
        if (sp != null && sp.repetitionPenalty() != null)
            s.repetitionPenalty(sp.repetitionPenalty().floatValue());
        // a request without a seed gets a fresh one (the engine's default seed would repeat every reply)
        s.seed(
                sp != null && sp.seed() != null
                        ? sp.seed()
                        : java.util.concurrent.ThreadLocalRandom.current().nextLong());
        if (engine.tokenizer() == null) throw new IllegalArgumentException(engine.targetFile() + " has no vocabulary");
        int[] prompt = Chat.promptIds(engine.tokenizer(), messages); // rendered with the GGUF's chat template
        Request.Builder r = Request.tokens(prompt).sampling(s.build());
        if (p.maxOutputTokens() != null) r.maxTokens(p.maxOutputTokens());
        if (p.stopSequences() != null && !p.stopSequences().isEmpty()) r.stop(p.stopSequences());
        if (sp != null && (sp.speculate() != null || sp.k() != null || sp.policy() != null)) {
            Speculation spec = engine.speculation();
            if (Boolean.FALSE.equals(sp.speculate())) spec = spec.withDraft(Speculation.Draft.OFF);
            else if (Boolean.TRUE.equals(sp.speculate()) && spec.draft() == Speculation.Draft.OFF)
                spec = spec.withDraft(Speculation.Draft.DEFAULT);
            if (sp.k() != null) spec = spec.withK(sp.k());
            if (sp.policy() != null) spec = spec.withPolicy(sp.policy());
            r.speculation(spec);
        }
        return new Mapped(prompt, r.build());
    }

    private static Chat.Message toMessage(ChatMessage m) {
        return switch (m) {
            case SystemMessage s -> Chat.Message.system(s.text());
            case UserMessage u -> {
                if (!u.hasSingleText())
                    throw new UnsupportedFeatureException(
                            "specdec reads text only: a user message has images, audio or several parts");
                yield Chat.Message.user(u.singleText());
            }
            case AiMessage a -> {
                if (a.hasToolExecutionRequests())
                    throw new UnsupportedFeatureException("specdec does not run tools: an AI message has tool calls");
                yield Chat.Message.assistant(a.text() != null ? a.text() : "");
            }
            default ->
                throw new UnsupportedFeatureException(
                        "specdec cannot take a " + m.type() + " message (system, user and AI messages only)");
        };
    }

    static ChatResponse toResponse(Engine engine, Result r) {
        FinishReason finish = switch (r.finishReason()) {
            case MAX_TOKENS, CONTEXT_FULL -> FinishReason.LENGTH;
            case END_OF_GENERATION, STOP_STRING -> FinishReason.STOP;
            case CANCELLED -> FinishReason.OTHER;
        };
        var stats = r.stats();
        SpecdecChatResponseMetadata meta = SpecdecChatResponseMetadata.builder()
                .modelName(engine.targetFile().getFileName().toString())
                .tokenUsage(new TokenUsage(r.usage().promptTokens(), r.usage().completionTokens()))
                .finishReason(finish)
                .draftTokens(stats.draftTokens())
                .acceptedTokens(stats.acceptedTokens())
                .targetCalls(stats.targetCalls())
                .tokensPerTargetCall(stats.tokensPerTargetCall())
                .seed(r.seed())
                .build();
        return ChatResponse.builder()
                .aiMessage(AiMessage.from(r.text()))
                .metadata(meta)
                .build();
    }
}
