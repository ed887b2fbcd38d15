package dev.specdec.cli;

import dev.specdec.target.Tokenizer;
import java.util.List;
import java.util.Map;

/** A conversation rendered with the model's own chat template and tokenized for it. */
final class Chat {
    private Chat() {}

    /** The prompt ids for these messages, ending with the assistant's turn opened. */
    static int[] promptIds(Tokenizer tok, List<Map<String, Object>> messages) {
        String template = tok.chatTemplate();
        if (template == null) {
            throw new IllegalArgumentException("the model has no chat template (no tokenizer.chat_template in the GGUF file)");
        }
        String bos = tok.bos() >= 0 ? tok.tokenText(tok.bos()) : "";
        String eos = tok.eos() >= 0 ? tok.tokenText(tok.eos()) : "";
        String rendered = new ChatTemplate(template, null).render(messages, true, bos, eos);
        // templates usually write BOS themselves; add it only when the vocabulary wants one and it is missing
        boolean addBos = tok.addsBos() && !(bos.length() > 0 && rendered.startsWith(bos));
        return tok.encode(rendered, addBos, true);
    }
}
