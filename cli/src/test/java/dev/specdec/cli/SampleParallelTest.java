package dev.specdec.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specdec.target.TestData;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** `sample --parallel N`: the same lines, in the same order, as one session. */
class SampleParallelTest {
    static String sample(int parallel, String... extra) {
        String[] base = {
            "sample",
            "-m",
            TestData.model("llama2-spm-d256-f32.gguf").toString(),
            "--prompt-tokens",
            "1,415,260",
            "-n",
            "12",
            "--count",
            "9",
            "--seed",
            "77",
            "--temperature",
            "1",
            "--repeat-penalty",
            "1.2",
            "--threads",
            "2",
            "--parallel",
            String.valueOf(parallel)
        };
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        StringWriter out = new StringWriter(), err = new StringWriter();
        int rc = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        assertEquals(0, rc, err.toString());
        return out.toString();
    }

    @Test
    void parallelSessionsPrintTheSameLines() {
        String[] drafts = {
            "--draft", TestData.model("llama2-spm-d256-q4_0.gguf").toString(), "--policy", "heuristic", "-k", "3"
        };
        String one = sample(1, drafts);
        assertEquals(9, one.lines().count());
        assertTrue(one.lines().distinct().count() > 1, "different seeds give different lines:\n" + one);
        assertEquals(one, sample(4, drafts));
        assertEquals(one, sample(9, drafts));
    }
}
