package dev.specdec.target;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Text to token ids and back, as the reference engine does it for the model's vocabulary. */
public interface Tokenizer {

    int vocabularySize();

    /** The token's string as the vocabulary stores it. */
    String tokenText(int id);

    /**
     * @param addBos       prepend BOS (only when the vocabulary asks for it, see {@link #addsBos()})
     * @param parseSpecial turn text equal to a control token (e.g. {@code <|eot_id|>}) into that token
     */
    int[] encode(String text, boolean addBos, boolean parseSpecial);

    /** The bytes this token contributes to the output (control tokens contribute none). */
    byte[] tokenBytes(int id);

    int bos();

    int eos();

    /** The unknown token's id, or -1 when the vocabulary has none (byte-level BPE needs none). */
    default int unknown() {
        return -1;
    }

    boolean addsBos();

    /** Whether generation stops at this token (EOS, EOT, end-of-turn, ...). */
    boolean isEndOfGeneration(int id);

    /** The model's chat template (GGUF tokenizer.chat_template, Jinja), or null. */
    default String chatTemplate() {
        return null;
    }

    /** Decodes ids to text the way llama.cpp's detokenizer does (special tokens omitted). */
    default String decode(int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int id : ids) out.writeBytes(tokenBytes(id));
        return new String(out.toByteArray(), StandardCharsets.UTF_8);
    }
}
