package dev.specdec.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import dev.specdec.target.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every case of testdata/templates/cases.json renders exactly, or raises exactly the expected error. */
class ChatTemplateTest {

    static Stream<Arguments> cases() {
        JsonNode root = TestData.json(TestData.root().resolve("templates").resolve("cases.json"));
        List<Arguments> l = new ArrayList<>();
        int i = 0;
        for (JsonNode c : root.get("cases"))
            l.add(Arguments.of(i++ + " " + c.get("template").asText(), c));
        return l.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    @SuppressWarnings("unchecked")
    void rendersLikeHuggingFace(String name, JsonNode c) throws IOException {
        Path file =
                TestData.root().resolve("templates").resolve(c.get("template").asText());
        ChatTemplate t = new ChatTemplate(Files.readString(file), LocalDate.of(2024, 7, 26));
        List<Map<String, Object>> messages = TestData.JSON.convertValue(c.get("messages"), List.class);
        boolean agp = c.get("add_generation_prompt").asBoolean();
        String bos = c.get("bos_token").asText(), eos = c.get("eos_token").asText();
        if (c.has("error")) {
            var e = assertThrows(ChatTemplate.TemplateException.class, () -> t.render(messages, agp, bos, eos));
            assertEquals(c.get("error").asText(), e.getMessage());
        } else {
            assertEquals(c.get("expected").asText(), t.render(messages, agp, bos, eos));
        }
    }
}
