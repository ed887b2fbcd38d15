package dev.specdec.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specdec.bench.sweep.RunRecord;
import dev.specdec.bench.sweep.SweepRunner;
import dev.specdec.bench.sweep.SweepSummary;
import dev.specdec.target.TestData;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A tiny sweep end to end on the test models: files, summary vs JSONL, resume, overwrite protection, replay. */
class SweepCommandTest {

    static int run(String... args) {
        return Main.run(args, new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
    }

    @Test
    void tinySweepEndToEnd(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("sweep");
        Path prompts = Files.writeString(
                dir.resolve("p.jsonl"),
                "{\"id\": \"s1\", \"prompt\": \"Once upon a time\", \"category\": \"story\"}\n"
                        + "{\"id\": \"c1\", \"prompt\": \"def add(a, b): return a + b\", \"category\": \"code\"}\n");
        String target = TestData.model("llama2-spm-d256-f32.gguf").toString(),
                draft = TestData.model("llama2-spm-d256-q8_0.gguf").toString();
        String[] args = {
            "sweep",
            "--target",
            target,
            "--draft",
            draft,
            "--draft",
            "ngram",
            "--k",
            "1..2",
            "--policy",
            "fixed,heuristic",
            "--temperature",
            "0,1",
            "--max-tokens",
            "8",
            "--prompts",
            prompts.toString(),
            "--out",
            out.toString(),
            "--record",
            "--no-progress"
        };
        assertEquals(0, run(args));
        List<RunRecord> records = SweepRunner.read(out.resolve("runs.jsonl"));
        // 2 prompts x 2 temperatures x (1 baseline + 2 drafts x 2 policies x 2 k)
        assertEquals(2 * 2 * 9, records.size());
        for (String f : SweepCommand.OUTPUTS) assertTrue(Files.exists(out.resolve(f)), f);
        String manifest = Files.readString(out.resolve("manifest.json"));
        assertTrue(manifest.contains("sha256")
                && manifest.contains("llama2-spm-d256-q8_0.gguf")
                && manifest.contains("command_line"));
        // summary.csv agrees with the JSONL: acceptance recomputed from the raw records
        var rows = SweepSummary.summarize(records);
        List<String> csv = Files.readAllLines(out.resolve("summary.csv"));
        assertEquals(rows.size() + 1, csv.size());
        for (var row : rows) {
            long acc = 0, drafted = 0;
            for (RunRecord r : records)
                if (r.config().equals(row.config())) {
                    acc += r.acceptedTokens();
                    drafted += r.draftTokens();
                }
            assertEquals(drafted == 0 ? 0 : (double) acc / drafted, row.alpha(), 1e-12);
            String line = csv.stream()
                    .filter(l -> l.startsWith(row.config().draft().replace(",", "") + ","
                            + row.config().k() + "," + row.config().policy() + ","
                            + row.config().temperature()))
                    .findFirst()
                    .orElseThrow();
            assertEquals(row.alpha(), Double.parseDouble(line.split(",")[5]), 1e-4);
        }
        // greedy speculative output equals greedy plain output within the sweep, too (same tokens generated)
        for (RunRecord r : records) assertEquals(8, r.generated());
        // traces were recorded for speculative runs
        assertTrue(records.stream()
                .filter(r -> r.k() > 0)
                .allMatch(r -> r.trace() != null && r.trace().size() == 8));
        // same seed and inputs: same acceptance numbers
        Path again = dir.resolve("again");
        args[args.length - 3] = again.toString();
        assertEquals(0, run(args));
        var rows2 = SweepSummary.summarize(SweepRunner.read(again.resolve("runs.jsonl")));
        for (int i = 0; i < rows.size(); i++)
            assertEquals(
                    rows.get(i).alpha(),
                    rows2.get(i).alpha(),
                    0.0,
                    rows.get(i).config().toString());
        // never overwritten without --force; --resume with nothing left to do adds nothing
        args[args.length - 3] = out.toString();
        assertEquals(1, run(args));
        String[] resume = java.util.Arrays.copyOf(args, args.length + 1);
        resume[args.length] = "--resume";
        assertEquals(0, run(resume));
        assertEquals(records.size(), SweepRunner.read(out.resolve("runs.jsonl")).size());
        // an interrupted sweep (last lines lost) is completed by --resume
        List<String> lines = Files.readAllLines(out.resolve("runs.jsonl"));
        Files.write(out.resolve("runs.jsonl"), lines.subList(0, lines.size() - 5));
        assertEquals(0, run(resume));
        assertEquals(records.size(), SweepRunner.read(out.resolve("runs.jsonl")).size());
        assertEquals(0, run("report", out.toString()));
        assertEquals(0, run("replay", out.toString(), "--k", "1..2"));
    }

    @Test
    void resumeRefusesOtherModelsOrSettings(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("sweep");
        Path prompts = Files.writeString(
                dir.resolve("p.jsonl"),
                "{\"id\": \"s1\", \"prompt\": \"Once upon a time\", \"category\": \"story\"}\n");
        String target = TestData.model("stories260K.gguf").toString();
        List<String> base = List.of(
                "sweep",
                "--target",
                target,
                "--draft",
                "ngram",
                "--k",
                "1",
                "--max-tokens",
                "4",
                "--prompts",
                prompts.toString(),
                "--out",
                out.toString(),
                "--no-progress");
        assertEquals(0, run(base.toArray(String[]::new)));
        String[][] changes = {
            {"--max-tokens", "4", "5"},
            {"--k", "1", "2"},
            {"--draft", "ngram", TestData.model("stories260K.bin").toString()},
            {"--target", target, TestData.model("llama2-spm-tiny.gguf").toString()}
        };
        for (String[] c : changes) {
            List<String> args = new java.util.ArrayList<>(base);
            args.set(args.indexOf(c[0]) + 1, c[2]);
            args.add("--resume");
            StringWriter err = new StringWriter();
            int rc = Main.run(args.toArray(String[]::new), new PrintWriter(new StringWriter()), new PrintWriter(err));
            assertEquals(1, rc, c[0] + ": " + err);
            assertTrue(
                    err.toString().startsWith("specdec: --resume: ")
                            && err.toString()
                                    .contains(c[0].equals("--draft") || c[0].equals("--target") ? "model" : c[0]),
                    err.toString());
        }
        List<String> same = new java.util.ArrayList<>(base);
        same.add("--resume");
        assertEquals(0, run(same.toArray(String[]::new)), "the same settings resume");
    }
}
