package dev.specdec.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specdec.target.ChatFamily;
import dev.specdec.target.ModelLoader;
import dev.specdec.target.ModelWeights;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Chat end to end on models the project makes itself: `synth --chat-template FAMILY` writes the
 * family's template and special tokens, and `chat` renders it, generates, and stops at end of turn.
 */
class SynthChatTest {
    record Run(int rc, String out, String err) {}

    static Run chat(String stdin, String... args) {
        InputStream old = System.in;
        try {
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            StringWriter out = new StringWriter(), err = new StringWriter();
            String[] all = new String[args.length + 1];
            all[0] = "chat";
            System.arraycopy(args, 0, all, 1, args.length);
            int rc = Main.run(all, new PrintWriter(out), new PrintWriter(err));
            return new Run(rc, out.toString(), err.toString());
        } finally {
            System.setIn(old);
        }
    }

    static Path synth(Path dir, String family) {
        Path m = dir.resolve(family + ".gguf");
        StringWriter err = new StringWriter();
        int rc = Main.run(
                new String[] {
                    "synth", "--shape", "tiny", "--type", "F32", "--chat-template", family, "--out", m.toString()
                },
                new PrintWriter(new StringWriter()),
                new PrintWriter(err));
        assertEquals(0, rc, err.toString());
        return m;
    }

    static int id(ModelWeights w, String special) {
        int[] ids = w.tokenizer().encode(special, false, true);
        assertEquals(1, ids.length, special + " is one token");
        return ids[0];
    }

    static Stream<Arguments> families() {
        return Stream.of(
                Arguments.of(
                        "llama3",
                        "<|start_header_id|>user<|end_header_id|>\n\nhello<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
                        "<|start_header_id|>",
                        "<|eot_id|>"),
                Arguments.of(
                        "chatml",
                        "<|im_start|>user\nhello<|im_end|>\n<|im_start|>assistant\n",
                        "<|im_start|>",
                        "<|im_end|>"),
                Arguments.of(
                        "gemma",
                        "<start_of_turn>user\nhello<end_of_turn>\n<start_of_turn>model\n",
                        "<start_of_turn>",
                        "<end_of_turn>"),
                Arguments.of("phi3", "<|user|>\nhello<|end|>\n<|assistant|>\n", "<|user|>", "<|end|>"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void chatRendersGeneratesAndStopsAtEndOfTurn(
            String family, String rendered, String opener, String endOfTurn, @TempDir Path dir) {
        Path m = synth(dir, family);
        int open, eot;
        try (ModelWeights w = ModelLoader.load(m)) {
            open = id(w, opener);
            eot = id(w, endOfTurn);
            assertTrue(w.tokenizer().isEndOfGeneration(eot), endOfTurn + " ends generation");
        }
        // end of turn (and EOS) banned: the reply has all 4 tokens; the rendered prompt holds the opener as one token
        Run r = chat(
                "hello\n/exit\n",
                "-m",
                m.toString(),
                "-n",
                "4",
                "--temperature",
                "0",
                "--verbose-prompt",
                "--show-stats",
                "--logit-bias",
                eot + "=-inf",
                "--logit-bias",
                "2=-inf");
        assertEquals(0, r.rc, r.err);
        assertTrue(r.err.contains(rendered), "rendered with the " + family + " template: " + r.err);
        assertTrue(
                (" " + promptIds(r.err) + " ").contains(" " + open + " "), "the opener is one special token: " + r.err);
        assertTrue(r.err.contains("4 tokens,"), "generated a reply: " + r.err);
        // end of turn forced: the reply stops at once, and the next turn renders the empty reply
        Run stop = chat(
                "hello\nagain\n/exit\n",
                "-m",
                m.toString(),
                "-n",
                "4",
                "--temperature",
                "0",
                "--show-stats",
                "--logit-bias",
                eot + "=100");
        assertEquals(0, stop.rc, stop.err);
        assertEquals(
                2,
                stop.err.lines().filter(l -> l.startsWith("0 tokens,")).count(),
                "both replies stopped at end of turn: " + stop.err);
    }

    private static String promptIds(String err) {
        return err.lines()
                .filter(l -> l.startsWith("prompt ids:"))
                .findFirst()
                .orElse("")
                .substring("prompt ids:".length())
                .strip();
    }

    @Test
    void theTemplatesAreThePublishedOnes() throws java.io.IOException {
        Path published = dev.specdec.target.TestData.root().resolve("templates");
        assertEquals(
                java.nio.file.Files.readString(published.resolve("google-gemma-2-2b-it.jinja")),
                ChatFamily.GEMMA.template());
        assertEquals(
                java.nio.file.Files.readString(published.resolve("microsoft-Phi-3.5-mini-instruct.jinja")),
                ChatFamily.PHI3.template());
        // Llama 3 and ChatML: the reference set has later variants (3.2 with tool calls, Qwen 2.5), so their shared
        // form is checked
        var user = java.util.List.<java.util.Map<String, Object>>of(java.util.Map.of("role", "user", "content", "hi"));
        String llama3 = new dev.specdec.engine.ChatTemplate(ChatFamily.LLAMA3.template(), null)
                .render(user, true, "<|begin_of_text|>", "");
        assertEquals(
                "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
                llama3);
        String chatml =
                new dev.specdec.engine.ChatTemplate(ChatFamily.CHATML.template(), null).render(user, true, "", "");
        assertEquals("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n", chatml);
    }

    @Test
    void aTemplateWithoutSystemRoleIsWordedForUsersAtStartUp(@TempDir Path dir) {
        Path m = synth(dir, "gemma");
        for (String stdin : new String[] {"", "hello\n/exit\n"}) {
            Run r = chat(stdin, "-m", m.toString(), "--system", "be brief", "-n", "2");
            assertEquals(1, r.rc, r.err);
            assertEquals(
                    "specdec: this model's chat template does not support a system message (leave out --system)",
                    r.err.strip());
            assertEquals("", r.out, "checked before the first prompt");
        }
        StringWriter err = new StringWriter();
        int rc = Main.run(
                new String[] {"generate", "-m", m.toString(), "--chat", "--system", "be brief", "-p", "hi", "-n", "2"},
                new PrintWriter(new StringWriter()),
                new PrintWriter(err));
        assertEquals(1, rc);
        assertTrue(
                err.toString().startsWith("specdec: this model's chat template does not support a system message"),
                err.toString());
    }
}
