package dev.specdec.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specdec.target.ModelLoader;
import dev.specdec.target.ModelWeights;
import dev.specdec.target.TestData;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Chat on a test model given Qwen 2.5's chat template. */
class ChatCommandTest {

    static Path withTemplate(Path dir) throws Exception {
        return dev.specdec.target.TestModels.qwen2WithChatTemplate(dir);
    }

    @Test
    void promptIsTheRenderedTemplateWithSpecialTokens(@TempDir Path dir) throws Exception {
        Path m = withTemplate(dir);
        try (ModelWeights w = ModelLoader.load(m)) {
            int[] ids = dev.specdec.engine.Chat.promptIds(
                    w.tokenizer(), List.of(dev.specdec.engine.Chat.Message.user("hi")));
            int imStart = w.tokenizer().encode("<|im_start|>", false, true)[0];
            assertEquals(imStart, ids[0], "the prompt starts with <|im_start|> as one special token");
            String text = w.tokenizer().decode(ids);
            assertTrue(text.contains("user\nhi"), text);
        }
    }

    @Test
    void generateChatAndInteractiveChat(@TempDir Path dir) throws Exception {
        Path m = withTemplate(dir);
        StringWriter out = new StringWriter(), err = new StringWriter();
        int rc = Main.run(
                new String[] {
                    "generate",
                    "-m",
                    m.toString(),
                    "--chat",
                    "-p",
                    "hello",
                    "-n",
                    "6",
                    "--temperature",
                    "0",
                    "--draft",
                    "ngram"
                },
                new PrintWriter(out),
                new PrintWriter(err));
        assertEquals(0, rc, err.toString());
        // what it printed is the model's greedy reply to that one user message, rendered with the template
        try (var engine = dev.specdec.engine.Engine.builder(m).threads(1).build()) {
            var reply = engine.generate(
                    dev.specdec.engine.Request.chat(List.of(dev.specdec.engine.Chat.Message.user("hello")))
                            .maxTokens(6)
                            .greedy()
                            .build());
            assertEquals(reply.text() + "\n", out.toString());
        }
        InputStream old = System.in;
        try {
            System.setIn(new ByteArrayInputStream("hello\nhow are you\n/exit\n".getBytes(StandardCharsets.UTF_8)));
            StringWriter o2 = new StringWriter(), e2 = new StringWriter();
            int rc2 = Main.run(
                    new String[] {"chat", "-m", m.toString(), "-n", "5", "--temperature", "0", "--system", "be brief"},
                    new PrintWriter(o2),
                    new PrintWriter(e2));
            assertEquals(0, rc2, e2.toString());
            assertEquals(3, o2.toString().split("> ", -1).length - 1, "three prompts: two turns and the exit: " + o2);
        } finally {
            System.setIn(old);
        }
        StringWriter o3 = new StringWriter(), e3 = new StringWriter();
        int rc3 = Main.run(
                new String[] {
                    "generate", "-m", TestData.model("stories260K.gguf").toString(), "--chat", "-p", "hi"
                },
                new PrintWriter(o3),
                new PrintWriter(e3));
        assertEquals(1, rc3);
        assertTrue(e3.toString().contains("no chat template"), e3.toString());
    }
}
