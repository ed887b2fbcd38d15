package dev.specdec.target;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** llama.cpp's tokenizer vectors and the extra cases of the test data, reproduced exactly. */
class TokenizerVectorsTest {
    private static final Map<Path, Vocabulary> CACHE = new ConcurrentHashMap<>();

    static Vocabulary vocab(Path p) {
        return CACHE.computeIfAbsent(p, q -> {
            try (GgufFile f = GgufFile.open(q)) {
                return GgufVocabulary.tokenizer(f);
            }
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"ggml-vocab-llama-spm.gguf", "ggml-vocab-phi-3.gguf", "ggml-vocab-gpt-2.gguf"})
    void llamaCppVectors(String name) throws IOException {
        Path dir = TestData.root().resolve("tokenizer");
        Vocabulary v = vocab(dir.resolve(name));
        String inp = Files.readString(dir.resolve(name + ".inp"), StandardCharsets.UTF_8);
        List<String> lines = Files.readAllLines(dir.resolve(name + ".out"), StandardCharsets.UTF_8);
        String sep = "\n__ggml_vocab_test__\n";
        List<String> texts = new ArrayList<>();
        int from = 0;
        for (int at; (at = inp.indexOf(sep, from)) >= 0; from = at + sep.length()) texts.add(inp.substring(from, at));
        assertEquals(lines.size(), texts.size(), "cases in .inp vs .out");
        for (int i = 0; i < texts.size(); i++) {
            String l = lines.get(i).strip();
            int[] expected = l.isEmpty()
                    ? new int[0]
                    : java.util.Arrays.stream(l.split(" "))
                            .mapToInt(Integer::parseInt)
                            .toArray();
            assertArrayEquals(expected, v.encode(texts.get(i), false, false), "case " + i + ": '" + texts.get(i) + "'");
        }
    }

    @Test
    void extraCases() {
        check("extra_cases.json", TestData.root().resolve("tokenizer"));
    }

    @Test
    void syntheticModelVocabularies() {
        check("synthetic_vocab_cases.json", TestData.root().resolve("models"));
    }

    private static void check(String file, Path vocabDir) {
        JsonNode root = TestData.json(TestData.root().resolve("tokenizer").resolve(file));
        int checked = 0;
        for (JsonNode c : root.get("cases")) {
            String text = new String(HexFormat.of().parseHex(c.get("utf8_hex").asText()), StandardCharsets.UTF_8);
            var it = c.get("tokens").fields();
            while (it.hasNext()) {
                var e = it.next();
                Vocabulary v = vocab(vocabDir.resolve(e.getKey()));
                JsonNode t = e.getValue();
                String where = e.getKey() + " '" + text + "'";
                assertArrayEquals(TestData.ints(t.get("no_bos")), v.encode(text, false, false), "no_bos " + where);
                assertArrayEquals(TestData.ints(t.get("with_bos")), v.encode(text, true, false), "with_bos " + where);
                assertArrayEquals(
                        TestData.ints(t.get("parse_special")), v.encode(text, false, true), "parse_special " + where);
                if (!t.get("decoded_utf8").isNull()) {
                    assertEquals(
                            t.get("decoded_utf8").asText(),
                            v.decode(TestData.ints(t.get("no_bos"))),
                            "decoded " + where);
                }
                checked++;
            }
        }
        assertEquals(true, checked > 30, "cases checked: " + checked);
    }
}
