package dev.specdec.target;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Chat formats a synthetic model can be given, so that chat is tested on models the project makes
 * itself: each family's published template (resources chat/NAME.jinja: Meta-Llama-3-8B-Instruct,
 * the plain ChatML one, gemma-2-2b-it, Phi-3.5-mini-instruct) and the special tokens it writes.
 * The end-of-turn token of each is one that {@link Vocabulary} recognizes by its text.
 */
public enum ChatFamily {
    LLAMA3("llama3", List.of("<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>")),
    CHATML("chatml", List.of("<|im_start|>", "<|im_end|>")),
    GEMMA("gemma", List.of("<start_of_turn>", "<end_of_turn>")),
    PHI3("phi3", List.of("<|system|>", "<|user|>", "<|assistant|>", "<|end|>"));

    private final String id;
    private final List<String> specialTokens;

    ChatFamily(String id, List<String> specialTokens) {
        this.id = id;
        this.specialTokens = specialTokens;
    }

    /** The name on the command line. */
    public String id() {
        return id;
    }

    /** Tokens the template writes that must each be one control token of the vocabulary. */
    public List<String> specialTokens() {
        return specialTokens;
    }

    /** The Jinja template, as models of this family carry it in tokenizer.chat_template. */
    public String template() {
        try (InputStream in = ChatFamily.class.getResourceAsStream("chat/" + id + ".jinja")) {
            if (in == null) throw new IllegalStateException("chat/" + id + ".jinja is missing from the jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The family of a command-line name; an unknown name lists the known ones. */
    public static ChatFamily byId(String id) {
        for (ChatFamily f : values()) if (f.id.equals(id)) return f;
        throw new IllegalArgumentException("unknown chat template '" + id + "' (known: " + names() + ")");
    }

    public static String names() {
        return Arrays.stream(values()).map(ChatFamily::id).collect(Collectors.joining(", "));
    }
}
