package dev.specdec.target;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Streaming output never shows a replacement character for a character split across tokens. */
class StreamingDetokenizerTest {

    @Test
    void multiByteCharactersSplitAcrossByteTokensComeOutWhole() {
        try (GgufFile f = GgufFile.open(TestData.root().resolve("tokenizer").resolve("ggml-vocab-llama-spm.gguf"))) {
            Vocabulary v = GgufVocabulary.tokenizer(f);
            String text = "naïve 😀 日本語 ok";
            int[] ids = v.encode(text, false, false);
            StreamingDetokenizer s = new StreamingDetokenizer(v, true);
            StringBuilder out = new StringBuilder();
            int pieces = 0;
            for (int id : ids) {
                String piece = s.accept(id);
                assertFalse(piece.contains("\uFFFD"), "piece " + pieces + " of " + text);
                out.append(piece);
                pieces++;
            }
            out.append(s.flush());
            assertEquals(text, out.toString());
            // the emoji alone is four byte tokens in this vocabulary: nothing may come out before the fourth
            int[] emoji = v.encode("😀", false, false);
            StreamingDetokenizer e = new StreamingDetokenizer(v, true);
            StringBuilder eo = new StringBuilder();
            for (int i = 0; i < emoji.length; i++) {
                String p = e.accept(emoji[i]);
                if (i < emoji.length - 1 && emoji.length > 1)
                    assertEquals("", p.replace(" ", ""), "byte token " + i + " emitted early");
                eo.append(p);
            }
            assertEquals("😀", eo.toString().strip());
        }
    }

    @Test
    void completePrefixStopsBeforeAnIncompleteCharacter() {
        byte[] b = "a€".getBytes(StandardCharsets.UTF_8); // 'a' then a 3-byte character
        assertEquals(1, StreamingDetokenizer.completePrefix(b, 2));
        assertEquals(1, StreamingDetokenizer.completePrefix(b, 3));
        assertEquals(4, StreamingDetokenizer.completePrefix(b, 4));
    }
}
