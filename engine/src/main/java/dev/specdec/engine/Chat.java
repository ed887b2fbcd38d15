package dev.specdec.engine;

import dev.specdec.target.Tokenizer;
import java.util.List;
import java.util.Map;

/** A conversation rendered with the model's own chat template (from the GGUF file) and tokenized for it. */
public final class Chat {
    private Chat() {}

    /** The model's chat template renders the conversation without its system message, but not with it (Gemma's). */
    public static final class SystemMessageUnsupportedException extends IllegalArgumentException {
        SystemMessageUnsupportedException() {
            super("this model's chat template does not support a system message (leave the system message out)");
        }
    }

    /** One message of a conversation: role system, user or assistant (or any role the template knows). */
    public record Message(String role, String content) {
        public Message {
            if (role == null || role.isBlank()) throw new IllegalArgumentException("a chat message needs a role");
            if (content == null) throw new IllegalArgumentException("chat message (" + role + ") has no content");
        }

        public static Message system(String content) {
            return new Message("system", content);
        }

        public static Message user(String content) {
            return new Message("user", content);
        }

        public static Message assistant(String content) {
            return new Message("assistant", content);
        }
    }

    /** The prompt ids for these messages, ending with the assistant's turn opened. */
    public static int[] promptIds(Tokenizer tok, List<Message> messages) {
        return promptIdsOfMaps(tok, asMaps(messages));
    }

    /** The prompt text the template makes of these messages. */
    public static String rendered(Tokenizer tok, List<Message> messages) {
        return renderedMaps(tok, asMaps(messages));
    }

    private static List<Map<String, Object>> asMaps(List<Message> messages) {
        return messages.stream()
                .<Map<String, Object>>map(m -> Map.of("role", m.role(), "content", m.content()))
                .toList();
    }

    private static int[] promptIdsOfMaps(Tokenizer tok, List<Map<String, Object>> messages) {
        String rendered = renderedMaps(tok, messages);
        String bos = tok.bos() >= 0 ? tok.tokenText(tok.bos()) : "";
        // templates usually write BOS themselves; add it only when the vocabulary wants one and it is missing
        boolean addBos = tok.addsBos() && !(bos.length() > 0 && rendered.startsWith(bos));
        return tok.encode(rendered, addBos, true);
    }

    /** A template error is told in a user's words. */
    private static String renderedMaps(Tokenizer tok, List<Map<String, Object>> messages) {
        String source = tok.chatTemplate();
        if (source == null) {
            throw new IllegalArgumentException(
                    "the model has no chat template (no tokenizer.chat_template in the GGUF file)");
        }
        String bos = tok.bos() >= 0 ? tok.tokenText(tok.bos()) : "";
        String eos = tok.eos() >= 0 ? tok.tokenText(tok.eos()) : "";
        ChatTemplate template = new ChatTemplate(source, null);
        try {
            return template.render(messages, true, bos, eos);
        } catch (ChatTemplate.TemplateException e) {
            // templates word this for their authors ("System role not supported"); when the same
            // conversation renders without its system message, that message was the problem
            List<Map<String, Object>> withoutSystem = messages.stream()
                    .filter(m -> !"system".equals(m.get("role")))
                    .toList();
            if (withoutSystem.size() < messages.size()) {
                try {
                    template.render(withoutSystem, true, bos, eos);
                    throw new SystemMessageUnsupportedException();
                } catch (ChatTemplate.TemplateException stillFails) {
                    // something else is wrong too: the template's own words follow
                }
            }
            throw new IllegalArgumentException(
                    "this model's chat template cannot render this conversation: " + e.getMessage());
        }
    }
}
