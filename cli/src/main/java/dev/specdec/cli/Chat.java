package dev.specdec.cli;

import dev.specdec.target.Tokenizer;
import java.util.List;
import java.util.Map;

/** A conversation rendered with the model's own chat template and tokenized for it. */
final class Chat {
    private Chat() {}

    /** The prompt ids for these messages, ending with the assistant's turn opened. */
    static int[] promptIds(Tokenizer tok, List<Map<String, Object>> messages) {
        String rendered = rendered(tok, messages);
        String bos = tok.bos() >= 0 ? tok.tokenText(tok.bos()) : "";
        // templates usually write BOS themselves; add it only when the vocabulary wants one and it is missing
        boolean addBos = tok.addsBos() && !(bos.length() > 0 && rendered.startsWith(bos));
        return tok.encode(rendered, addBos, true);
    }

    /** The prompt text the template makes of these messages; a template error is told in a user's words. */
    static String rendered(Tokenizer tok, List<Map<String, Object>> messages) {
        String source = tok.chatTemplate();
        if (source == null) {
            throw new IllegalArgumentException("the model has no chat template (no tokenizer.chat_template in the GGUF file)");
        }
        String bos = tok.bos() >= 0 ? tok.tokenText(tok.bos()) : "";
        String eos = tok.eos() >= 0 ? tok.tokenText(tok.eos()) : "";
        ChatTemplate template = new ChatTemplate(source, null);
        try {
            return template.render(messages, true, bos, eos);
        } catch (ChatTemplate.TemplateException e) {
            // templates word this for their authors ("System role not supported"); when the same
            // conversation renders without its system message, that message was the problem
            List<Map<String, Object>> withoutSystem = messages.stream().filter(m -> !"system".equals(m.get("role"))).toList();
            if (withoutSystem.size() < messages.size()) {
                try {
                    template.render(withoutSystem, true, bos, eos);
                    throw new IllegalArgumentException("this model's chat template does not support a system message (leave out --system)");
                } catch (ChatTemplate.TemplateException stillFails) {
                    // something else is wrong too: the template's own words follow
                }
            }
            throw new IllegalArgumentException("this model's chat template cannot render this conversation: " + e.getMessage());
        }
    }
}
