package dev.specdec.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specdec.target.TestData;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Feedback on long work: a live bar on a terminal, at most a line per phase elsewhere. */
class ProgressTest {

    @Test
    void aBarOnATerminal() {
        ByteArrayOutputStream terminal = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        try (Progress p = Progress.start(
                new PrintWriter(err), "sampling", 5, null, new PrintStream(terminal, true, StandardCharsets.UTF_8))) {
            for (int i = 0; i < 5; i++) p.step();
        }
        String bar = terminal.toString(StandardCharsets.UTF_8);
        assertTrue(bar.contains("sampling") && bar.contains("100%") && bar.contains("5/5"), bar);
        assertEquals("", err.toString(), "the bar is the only output on a terminal");
    }

    @Test
    void aLinePerPhaseElsewhere() {
        StringWriter err = new StringWriter();
        try (Progress p = Progress.start(new PrintWriter(err, true), "sampling", 1000, null, null)) {
            for (int i = 0; i < 1000; i++) p.step();
        }
        assertEquals("sampling (1000) ...", err.toString().strip());
    }

    @Test
    void sampleSaysWhatItDoesOffTheTerminal() {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int rc = Main.run(
                new String[] {
                    "sample",
                    "-m",
                    TestData.model("stories260K.gguf").toString(),
                    "--prompt-tokens",
                    "1",
                    "-n",
                    "2",
                    "--count",
                    "20",
                    "--seed",
                    "1"
                },
                new PrintWriter(out),
                new PrintWriter(err));
        assertEquals(0, rc, err.toString());
        assertEquals(20, out.toString().strip().lines().count());
        assertEquals("sampling (20 generations) ...", err.toString().strip());
    }
}
