package dev.specdec.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specdec.target.TestData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * examples/Embed.java, the README's embedding example, compiled and run as the README says (java
 * running a single source file), on this module's class path: the documented code works.
 */
class EmbedExampleTest {
    @Test
    void theExampleRunsAndPrintsTheGreedyText() throws Exception {
        Path example = Path.of("..", "examples", "Embed.java").toAbsolutePath().normalize();
        assertTrue(Files.exists(example), example + " is missing");
        Path target = TestData.model("stories260K.gguf"), draft = TestData.model("stories260K.bin");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(List.of(
                        java.toString(),
                        "--add-modules",
                        "jdk.incubator.vector",
                        "--enable-native-access=ALL-UNNAMED",
                        "-cp",
                        System.getProperty("java.class.path"),
                        example.toString(),
                        target.toString(),
                        draft.toString(),
                        "Once upon a time"))
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the example finished");
        assertEquals(0, p.exitValue(), out);
        // the text it printed is the engine's greedy text for that prompt
        try (Engine e = Engine.builder(target).draft(draft).build()) {
            Result r = e.generate(
                    Request.text("Once upon a time").maxTokens(64).greedy().build());
            assertTrue(out.contains(r.text()), "the example printed:\n" + out + "\nexpected the text:\n" + r.text());
            assertTrue(out.contains("tokens/call"), out);
        }
    }
}
