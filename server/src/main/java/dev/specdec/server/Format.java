package dev.specdec.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.specdec.engine.Result;
import dev.specdec.verifier.DecodeStats;
import dev.specdec.verifier.StopReason;

/**
 * The OpenAI response shapes of the two completion endpoints: /v1/chat/completions answers with
 * messages and deltas, /v1/completions with text.
 */
sealed interface Format permits Format.Chat, Format.Text {
    Chat CHAT = new Chat();
    Text TEXT = new Text();

    /** The prefix of response ids. */
    String idPrefix();

    /** The {@code object} of a whole response and of a streamed chunk. */
    String object();

    String chunkObject();

    /** The choice of a whole response. */
    ObjectNode choice(String text, String finishReason);

    /** The choice of a streamed chunk: {@code text} (null: none), {@code finishReason} (null until the last). */
    ObjectNode chunkChoice(String text, String finishReason);

    /** The chunk sent before any token, or null when the shape has none. */
    default ObjectNode firstChunkChoice() {
        return null;
    }

    record Chat() implements Format {
        @Override
        public String idPrefix() {
            return "chatcmpl-";
        }

        @Override
        public String object() {
            return "chat.completion";
        }

        @Override
        public String chunkObject() {
            return "chat.completion.chunk";
        }

        @Override
        public ObjectNode choice(String text, String finishReason) {
            ObjectNode c = Json.object().put("index", 0);
            c.putObject("message").put("role", "assistant").put("content", text);
            return c.putNull("logprobs").put("finish_reason", finishReason);
        }

        @Override
        public ObjectNode chunkChoice(String text, String finishReason) {
            ObjectNode c = Json.object().put("index", 0);
            ObjectNode delta = c.putObject("delta");
            if (text != null) delta.put("content", text);
            return c.putNull("logprobs").put("finish_reason", finishReason);
        }

        /** OpenAI opens a chat stream with the role. */
        @Override
        public ObjectNode firstChunkChoice() {
            ObjectNode c = Json.object().put("index", 0);
            c.putObject("delta").put("role", "assistant").put("content", "");
            return c.putNull("logprobs").putNull("finish_reason");
        }
    }

    record Text() implements Format {
        @Override
        public String idPrefix() {
            return "cmpl-";
        }

        @Override
        public String object() {
            return "text_completion";
        }

        @Override
        public String chunkObject() {
            return "text_completion";
        }

        @Override
        public ObjectNode choice(String text, String finishReason) {
            return Json.object()
                    .put("index", 0)
                    .put("text", text)
                    .putNull("logprobs")
                    .put("finish_reason", finishReason);
        }

        @Override
        public ObjectNode chunkChoice(String text, String finishReason) {
            return choice(text == null ? "" : text, finishReason);
        }
    }

    /** OpenAI's finish_reason: "length" when a limit cut the text, "stop" when the model or a stop string ended it. */
    static String finishReason(StopReason r) {
        return switch (r) {
            case MAX_TOKENS, CONTEXT_FULL -> "length";
            case END_OF_GENERATION, STOP_STRING -> "stop";
            case CANCELLED ->
                throw new IllegalStateException(
                        "a cancelled generation has no finish_reason: it is answered with an error");
        };
    }

    /** OpenAI's usage object, with the prompt tokens the session's KV cache already held. */
    static ObjectNode usage(Result r) {
        ObjectNode u = Json.object()
                .put("prompt_tokens", r.usage().promptTokens())
                .put("completion_tokens", r.usage().completionTokens())
                .put("total_tokens", r.usage().totalTokens());
        u.putObject("prompt_tokens_details").put("cached_tokens", r.usage().cachedPromptTokens());
        return u;
    }

    /** The request's speculation statistics (specdec's extension of the response). */
    static ObjectNode speculative(Result r) {
        DecodeStats s = r.stats();
        return Json.object()
                .put("draft_tokens", s.draftTokens())
                .put("accepted_tokens", s.acceptedTokens())
                .put("acceptance_rate", s.acceptanceRate())
                .put("mean_accepted_length", s.meanAcceptedLength())
                .put("tokens_per_target_call", s.tokensPerTargetCall())
                .put("target_calls", s.targetCalls());
    }
}
