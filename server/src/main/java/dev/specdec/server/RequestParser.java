package dev.specdec.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.specdec.draft.DraftLengthPolicy;
import dev.specdec.engine.Chat;
import dev.specdec.engine.Engine;
import dev.specdec.engine.Speculation;
import dev.specdec.sampling.SamplingParams;
import dev.specdec.verifier.VerifyMode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Turns an OpenAI request body into an {@link ApiRequest}, checking every field it reads: a wrong
 * type or an out-of-range value is a 400 that names the field. Fields it does not know are ignored,
 * as OpenAI-compatible servers do. A JSON null counts as absent.
 */
final class RequestParser {
    private final Engine engine;
    private final String modelId;
    private final Long seed;

    RequestParser(Engine engine, String modelId, Long seed) {
        this.engine = engine;
        this.modelId = modelId;
        this.seed = seed;
    }

    ApiRequest parse(byte[] body, Format format) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw new ApiException(
                    400,
                    "invalid_request_error",
                    null,
                    "invalid_json",
                    "the body is not valid JSON: " + e.getOriginalMessage(),
                    0);
        } catch (java.io.IOException e) {
            throw new ApiException(
                    400,
                    "invalid_request_error",
                    null,
                    "invalid_json",
                    "the body could not be read: " + e.getMessage(),
                    0);
        }
        if (root == null || !root.isObject()) {
            throw new ApiException(
                    400, "invalid_request_error", null, "invalid_json", "the body must be a JSON object", 0);
        }
        Fields f = new Fields(root, "");
        String model = f.string("model");
        if (model != null && !model.equals(modelId)) {
            throw new ApiException(
                    404,
                    "invalid_request_error",
                    "model",
                    "model_not_found",
                    "the model '" + model + "' does not exist: this server serves '" + modelId + "' (see /v1/models)",
                    0);
        }
        Integer n = f.integer("n");
        if (n != null && n != 1)
            throw ApiException.invalid("n", "n must be 1 (this server makes one choice per request), got " + n);

        int[] prompt = format == Format.CHAT ? chatPrompt(root.get("messages")) : textPrompt(root.get("prompt"));
        int context = engine.contextLength();
        if (prompt.length >= context) {
            throw new ApiException(
                    400,
                    "invalid_request_error",
                    format == Format.CHAT ? "messages" : "prompt",
                    "context_length_exceeded",
                    "the prompt has " + prompt.length + " tokens; this server's context holds " + context
                            + " (prompt and completion together), so the prompt must be shorter",
                    0);
        }
        Integer maxCompletion = f.integer("max_completion_tokens");
        Integer max = maxCompletion != null ? maxCompletion : f.integer("max_tokens");
        String maxField = maxCompletion != null ? "max_completion_tokens" : "max_tokens";
        if (max != null && max < 1) throw ApiException.invalid(maxField, maxField + " must be >= 1, got " + max);
        // without a limit the generation may use the rest of the context, as llama.cpp's server does
        int maxTokens = max != null ? Math.min(max, context - prompt.length) : context - prompt.length;

        boolean stream = Boolean.TRUE.equals(f.bool("stream"));
        Fields streamOptions = f.object("stream_options");
        boolean includeUsage = streamOptions != null && Boolean.TRUE.equals(streamOptions.bool("include_usage"));
        Speculation spec = speculation(f.object("speculative"));
        // a request that names its seed wants its text back for that seed: drafter-invariant
        // verification gives it, whatever k, draft or batch the server runs it with
        if (f.longInteger("seed") != null) spec = spec.withVerify(VerifyMode.GUMBEL);
        return new ApiRequest(
                format, prompt, maxTokens, sampling(f), stop(root.get("stop")), spec, stream, includeUsage);
    }

    private SamplingParams sampling(Fields f) {
        SamplingParams.Builder b = engine.sampling().toBuilder();
        Double t = f.number("temperature");
        if (t != null) {
            if (!(t >= 0) || t.isInfinite())
                throw ApiException.invalid("temperature", "temperature must be >= 0 (0 = greedy), got " + t);
            b.temperature(t.floatValue());
        }
        Double topP = f.number("top_p");
        if (topP != null) {
            if (!(topP > 0 && topP <= 1)) throw ApiException.invalid("top_p", "top_p must be in (0, 1], got " + topP);
            b.topP(topP.floatValue());
        }
        Integer topK = f.integer("top_k");
        if (topK != null) {
            if (topK < -1) throw ApiException.invalid("top_k", "top_k must be >= 0 (0 or -1 = off), got " + topK);
            b.topK(Math.max(0, topK));
        }
        Double minP = f.number("min_p");
        if (minP != null) {
            if (!(minP >= 0 && minP <= 1)) throw ApiException.invalid("min_p", "min_p must be in [0, 1], got " + minP);
            b.minP(minP.floatValue());
        }
        Double freq = f.number("frequency_penalty");
        if (freq != null) {
            if (!(freq >= -2 && freq <= 2))
                throw ApiException.invalid("frequency_penalty", "frequency_penalty must be in [-2, 2], got " + freq);
            b.frequencyPenalty(freq.floatValue());
        }
        Double presence = f.number("presence_penalty");
        if (presence != null) {
            if (!(presence >= -2 && presence <= 2))
                throw ApiException.invalid("presence_penalty", "presence_penalty must be in [-2, 2], got " + presence);
            b.presencePenalty(presence.floatValue());
        }
        Double rep = f.number("repetition_penalty");
        if (rep != null) {
            if (!(rep > 0) || rep.isInfinite())
                throw ApiException.invalid(
                        "repetition_penalty", "repetition_penalty must be > 0 (1 = off), got " + rep);
            b.repetitionPenalty(rep.floatValue());
        }
        Fields bias = f.object("logit_bias");
        if (bias != null) b.logitBias(logitBias(bias));
        Long s = f.longInteger("seed");
        b.seed(s != null ? s : seed != null ? seed : ThreadLocalRandom.current().nextLong());
        try {
            return b.build();
        } catch (IllegalArgumentException e) { // a combination the fields' own checks let through
            throw ApiException.invalid(null, e.getMessage());
        }
    }

    private Map<Integer, Float> logitBias(Fields bias) {
        Map<Integer, Float> m = new HashMap<>();
        int vocab = engine.vocabularySize();
        for (Iterator<Map.Entry<String, JsonNode>> it = bias.node().fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            int id;
            try {
                id = Integer.parseInt(e.getKey().trim());
            } catch (NumberFormatException x) {
                throw ApiException.invalid("logit_bias", "logit_bias keys must be token ids, got '" + e.getKey() + "'");
            }
            if (id < 0 || id >= vocab) {
                throw ApiException.invalid(
                        "logit_bias",
                        "logit_bias: token id " + id + " is not in the vocabulary (ids 0.." + (vocab - 1) + ")");
            }
            JsonNode v = e.getValue();
            if (!v.isNumber() || !(v.asDouble() >= -100 && v.asDouble() <= 100)) {
                throw ApiException.invalid(
                        "logit_bias",
                        "logit_bias values must be numbers in [-100, 100], got " + v + " for token " + id);
            }
            m.put(id, v.floatValue());
        }
        return m;
    }

    private static List<String> stop(JsonNode node) {
        if (node == null || node.isNull()) return List.of();
        List<String> out = new ArrayList<>();
        if (node.isTextual()) {
            out.add(node.asText());
        } else if (node.isArray()) {
            for (JsonNode s : node) {
                if (!s.isTextual())
                    throw ApiException.invalid(
                            "stop", "stop must be a string or an array of strings, got an element " + s);
                out.add(s.asText());
            }
        } else {
            throw ApiException.invalid(
                    "stop", "stop must be a string or an array of strings, got " + Fields.kind(node));
        }
        if (out.stream().anyMatch(String::isEmpty))
            throw ApiException.invalid("stop", "a stop string must not be empty");
        return out;
    }

    private Speculation speculation(Fields f) {
        Speculation s = engine.speculation();
        if (f == null) return s;
        String draft = f.string("draft");
        if (draft != null) {
            Speculation.Draft d = switch (draft.toLowerCase(Locale.ROOT)) {
                case "default" -> Speculation.Draft.DEFAULT;
                case "ngram" -> Speculation.Draft.NGRAM;
                case "off" -> Speculation.Draft.OFF;
                default ->
                    throw ApiException.invalid(
                            "speculative.draft",
                            "speculative.draft must be default, ngram or off, got '" + draft + "'");
            };
            s = s.withDraft(d);
        }
        Integer k = f.integer("k");
        if (k != null) {
            try {
                DraftLengthPolicy.checkK(k);
            } catch (IllegalArgumentException e) {
                throw ApiException.invalid(
                        "speculative.k",
                        "speculative.k must be in 1.." + dev.specdec.draft.DraftProposal.MAX_TOKENS + ", got " + k);
            }
            s = s.withK(k);
        }
        String policy = f.string("policy");
        if (policy != null) {
            try {
                s = s.withPolicy(policy);
            } catch (IllegalArgumentException e) {
                throw ApiException.invalid("speculative.policy", "speculative.policy: " + e.getMessage());
            }
        }
        return s;
    }

    // --- prompts -----------------------------------------------------------------------------

    private int[] chatPrompt(JsonNode messages) {
        if (messages == null || messages.isNull()) throw ApiException.invalid("messages", "messages is required");
        if (!messages.isArray() || messages.isEmpty()) {
            throw ApiException.invalid("messages", "messages must be a non-empty array of {role, content} objects");
        }
        List<Chat.Message> out = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String at = "messages[" + i + "]";
            if (!m.isObject())
                throw ApiException.invalid(at, at + " must be an object with role and content, got " + Fields.kind(m));
            Fields f = new Fields(m, at + ".");
            String role = f.string("role");
            if (role == null || role.isBlank()) throw ApiException.invalid(at + ".role", at + ".role is required");
            out.add(new Chat.Message(role, content(m.get("content"), at + ".content")));
        }
        try {
            return Chat.promptIds(engine.tokenizer(), out);
        } catch (IllegalArgumentException e) { // no template, or one that refuses the conversation
            throw ApiException.invalid("messages", e.getMessage());
        }
    }

    /** A string, or OpenAI's array of content parts (text parts only: this server reads no images). */
    private static String content(JsonNode c, String at) {
        if (c == null || c.isNull()) return "";
        if (c.isTextual()) return c.asText();
        if (!c.isArray())
            throw ApiException.invalid(at, at + " must be a string or an array of text parts, got " + Fields.kind(c));
        StringBuilder sb = new StringBuilder();
        for (JsonNode part : c) {
            JsonNode type = part.get("type"), text = part.get("text");
            if (type == null || !"text".equals(type.asText()) || text == null || !text.isTextual()) {
                throw ApiException.invalid(
                        at, at + ": only text parts ({\"type\": \"text\", \"text\": ...}) are supported, got " + part);
            }
            sb.append(text.asText());
        }
        return sb.toString();
    }

    /** A string, an array of token ids, or an array holding one string. */
    private int[] textPrompt(JsonNode p) {
        if (p == null || p.isNull()) throw ApiException.invalid("prompt", "prompt is required");
        if (p.isArray() && p.size() == 1 && p.get(0).isTextual()) p = p.get(0);
        if (p.isTextual()) {
            if (engine.tokenizer() == null)
                throw ApiException.invalid("prompt", "this model has no vocabulary: give the prompt as token ids");
            int[] ids = engine.encode(p.asText());
            if (ids.length == 0) throw ApiException.invalid("prompt", "the prompt is empty: it gave no tokens");
            return ids;
        }
        if (!p.isArray())
            throw ApiException.invalid(
                    "prompt", "prompt must be a string or an array of token ids, got " + Fields.kind(p));
        if (p.isEmpty()) throw ApiException.invalid("prompt", "the prompt is empty: give at least one token");
        int vocab = engine.vocabularySize();
        int[] ids = new int[p.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode t = p.get(i);
            if (!t.isIntegralNumber() || !t.canConvertToInt() || t.asInt() < 0 || t.asInt() >= vocab) {
                throw ApiException.invalid(
                        "prompt",
                        "prompt: element " + i + " must be a token id in 0.." + (vocab - 1)
                                + " (one prompt per request), got " + t);
            }
            ids[i] = t.asInt();
        }
        return ids;
    }
}
