package dev.specdec.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specdec.target.TestData;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The command line as the README promises it: one-line errors, exit 1 for bad input, 2 for bad usage, no surprises. */
class CommandLineTest {
    record Run(int rc, String out, String err) {}

    /** Runs in process with an empty standard input, so that a chat that got further than it should ends instead of waiting. */
    static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        java.io.InputStream in = System.in;
        try {
            System.setIn(new java.io.ByteArrayInputStream(new byte[0]));
            int rc = Main.run(args, new PrintWriter(out), new PrintWriter(err));
            return new Run(rc, out.toString(), err.toString());
        } finally {
            System.setIn(in);
        }
    }

    static String model() {
        return TestData.model("stories260K.gguf").toString();
    }

    static Stream<String> badUsage() {
        String m = model();
        return Stream.of(
                        "generate -m M --prompt-tokens 1 --threads 0",
                        "generate -m M --prompt-tokens 1 --ctx 0",
                        "generate -m M --prompt-tokens 1 --kv-type f8",
                        "generate -m M --prompt-tokens 1 --device tpu",
                        "generate -m M --prompt-tokens 1 --draft ngram -k 0",
                        "generate -m M --prompt-tokens 1 --draft ngram -k 65",
                        "generate -m M --prompt-tokens 1 --draft ngram --policy best",
                        "generate -m M --prompt-tokens 1 --draft ngram --draft-mode greedy",
                        "generate -m M --prompt-tokens 1 --draft ngram --ngram-min 3 --ngram-max 2",
                        "generate -m M --prompt-tokens 1 --temperature -1",
                        "generate -m M --prompt-tokens 1 --top-p 2",
                        "generate -m M --prompt-tokens 1 --min-p -0.5",
                        "generate -m M --prompt-tokens 1 -n -1",
                        "generate -m M --prompt-tokens 1 --logit-bias 5",
                        "generate -m M --prompt-tokens 1,x",
                        "generate -m M --prompt-tokens 1 --stop=",
                        "sample -m M --prompt-tokens 1 --count 0",
                        "chat -m M -n -2",
                        "demo --target M --draft ngram -k 0",
                        "demo --target M --draft ngram --reps 0",
                        "bench M --reps 0",
                        "bench M --max-b 0",
                        "bench M --output xml",
                        "bench M --pp 0",
                        "sweep --target M --draft ngram --out OUT --k 0..3",
                        "sweep --target M --draft ngram --out OUT --policy fixed,best",
                        "sweep --target M --draft ngram --out OUT --seeds 0",
                        "eval-logits -m M --tokens , --out OUT",
                        "synth --shape huge --out OUT",
                        "synth --arch gpt5 --shape tiny --out OUT",
                        "synth --shape tiny --type Q9 --out OUT",
                        "replay OUT --k 0",
                        "replay OUT --replicates 0",
                        "render-template --template M --input M --today yesterday",
                        "detokenize -m M --ids a,b")
                .map(s -> s.replace(" M", " " + m));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badUsage")
    void outOfRangeValuesAreBadUsage(String line, @TempDir Path dir) {
        String[] args = Arrays.stream(line.split(" "))
                .map(a -> a.equals("OUT") ? dir.resolve("out").toString() : a)
                .toArray(String[]::new);
        Run r = run(args);
        assertEquals(2, r.rc, r.err);
        assertTrue(r.err.startsWith("specdec: "), r.err);
        assertTrue(r.err.contains("Try 'specdec " + args[0] + " --help'."), r.err);
        assertEquals("", r.out, "nothing ran");
    }

    @Test
    void unknownCommandIsBadUsage() {
        for (String[] args : new String[][] {{"fly", "--help"}, {"fly"}}) {
            Run r = run(args);
            assertEquals(2, r.rc, r.out + r.err);
            assertTrue(r.err.startsWith("specdec: unknown command 'fly'"), r.err);
            assertTrue(r.err.contains("Try 'specdec --help'."), r.err);
            assertEquals("", r.out, "no usage on stdout");
        }
        Run flag = run("--bogus");
        assertEquals(2, flag.rc);
        assertTrue(flag.err.contains("Try 'specdec --help'.") && !flag.err.contains("specdec specdec"), flag.err);
    }

    @Test
    void logitBiasOutsideTheVocabularyIsAnError() {
        Run r = run("generate", "-m", model(), "--prompt-tokens", "1", "-n", "2", "--logit-bias", "99999=5");
        assertEquals(1, r.rc, r.err);
        assertTrue(r.err.startsWith("specdec: ") && r.err.contains("99999") && r.err.contains("vocabulary"), r.err);
        assertEquals(1, r.err.strip().lines().count(), r.err);
        assertEquals(1, run("generate", "-m", model(), "--prompt-tokens", "1", "-n", "2", "--logit-bias", "-1=5").rc);
    }

    @Test
    void threadsAboveTheCoresAreCappedWithAWarning() {
        Run r = run("generate", "-m", model(), "--prompt-tokens", "1", "-n", "2", "--threads", "1000", "--quiet-stats");
        assertEquals(0, r.rc, r.err);
        int cores = Runtime.getRuntime().availableProcessors();
        assertTrue(r.err.contains("specdec: warning: --threads 1000") && r.err.contains("using " + cores), r.err);
    }

    @Test
    void ctxAboveTheTrainedLengthWarns() {
        Run r = run("generate", "-m", model(), "--prompt-tokens", "1", "-n", "2", "--ctx", "100000", "--quiet-stats");
        assertEquals(0, r.rc, r.err);
        assertTrue(r.err.contains("specdec: warning: --ctx 100000") && r.err.contains("stories260K.gguf"), r.err);
        Run quiet = run("generate", "-m", model(), "--prompt-tokens", "1", "-n", "2", "--quiet-stats");
        assertFalse(quiet.err.contains("warning"), "the default context never warns: " + quiet.err);
    }

    @Test
    void outputPathsAreCheckedBeforeTheWorkStarts(@TempDir Path dir) throws IOException {
        Path notes = Files.writeString(dir.resolve("notes.txt"), "user notes");
        Path modelCopy = Files.copy(TestData.model("stories260K.gguf"), dir.resolve("m.gguf"));
        byte[] modelBytes = Files.readAllBytes(modelCopy);
        String[][] cases = {
            {
                "generate",
                "-m",
                modelCopy.toString(),
                "--prompt-tokens",
                "1",
                "-n",
                "4",
                "--stats-json",
                dir.resolve("no/such/dir/s.json").toString()
            },
            {"generate", "-m", modelCopy.toString(), "--prompt-tokens", "1", "-n", "4", "--stats-json", dir.toString()},
            {
                "generate",
                "-m",
                modelCopy.toString(),
                "--prompt-tokens",
                "1",
                "-n",
                "4",
                "--stats-json",
                modelCopy.toString()
            },
            {
                "generate",
                "-m",
                modelCopy.toString(),
                "--prompt-tokens",
                "1",
                "-n",
                "4",
                "--stats-json",
                notes.resolve("s.json").toString()
            },
            {
                "eval-logits",
                "-m",
                modelCopy.toString(),
                "--tokens",
                "1",
                "--out",
                notes.resolve("l.f32").toString()
            },
            {"eval-logits", "-m", modelCopy.toString(), "--tokens", "1", "--out", modelCopy.toString(), "--force"},
            {"synth", "--shape", "tiny", "--out", dir.resolve("missing/t.gguf").toString()},
            {"synth", "--shape", "tiny", "--out", modelCopy.toString(), "--vocab-from", modelCopy.toString(), "--force"
            },
            {
                "bench",
                modelCopy.toString(),
                "--reps",
                "1",
                "--decode-tokens",
                "2",
                "--max-b",
                "2",
                "--pp",
                "4",
                "--bandwidth-mib",
                "8",
                "--out",
                modelCopy.toString()
            },
            {
                "bench",
                modelCopy.toString(),
                "--reps",
                "1",
                "--decode-tokens",
                "2",
                "--max-b",
                "2",
                "--pp",
                "4",
                "--bandwidth-mib",
                "8",
                "--out",
                dir.resolve("nodir/b.md").toString()
            },
        };
        for (String[] c : cases) {
            Run r = run(c);
            String what = String.join(" ", c) + "\n" + r.err;
            assertEquals(1, r.rc, what);
            assertEquals("", r.out, "the work did not start: " + what);
            assertTrue(r.err.startsWith("specdec: --"), "says which flag: " + what);
            assertEquals(1, r.err.strip().lines().count(), what);
            assertFalse(r.err.contains("measuring") || r.err.contains("partial"), what);
        }
        assertEquals("user notes", Files.readString(notes));
        assertTrue(Arrays.equals(modelBytes, Files.readAllBytes(modelCopy)), "the input model is untouched");
        assertEquals(2, Files.list(dir).count(), "nothing else was written");
    }

    @Test
    void fileSystemErrorsAreSaidInWords(@TempDir Path dir) throws IOException {
        assertEquals("/dir/x.gguf: permission denied", Main.oneLine(new AccessDeniedException("/dir/x.gguf")));
        assertEquals("/dir/x: not a directory", Main.oneLine(new java.nio.file.NotDirectoryException("/dir/x")));
        assertEquals("/dir/x: already exists", Main.oneLine(new java.nio.file.FileAlreadyExistsException("/dir/x")));
        Assumptions.assumeFalse(
                "root".equals(System.getProperty("user.name")), "root may write anywhere: no permission to be denied");
        Path ro = Files.createDirectory(dir.resolve("ro"));
        Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            Run r = run(
                    "synth", "--shape", "tiny", "--out", ro.resolve("t.gguf").toString());
            assertEquals(1, r.rc);
            assertTrue(
                    r.err.contains(ro.resolve("t.gguf").toString())
                            && r.err.contains("permission denied")
                            && !r.err.contains("partial"),
                    r.err);
        } finally {
            Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void benchPrintsItsResultsWhenTheCostProfileCannotBeSaved(@TempDir Path dir) throws IOException {
        Path home = Files.createDirectory(dir.resolve("home"));
        Files.writeString(home.resolve(".cache"), "a file where the cache folder would go");
        String old = System.getProperty("user.home");
        System.setProperty("user.home", home.toString());
        try {
            Run r = run(
                    "bench",
                    model(),
                    "--reps",
                    "1",
                    "--decode-tokens",
                    "2",
                    "--max-b",
                    "2",
                    "--pp",
                    "4",
                    "--bandwidth-mib",
                    "8");
            assertEquals(0, r.rc, r.err);
            assertTrue(r.out.contains("| stories260K.gguf |"), r.out);
            assertTrue(r.err.contains("specdec: warning:") && r.err.contains("cost profile"), r.err);
        } finally {
            System.setProperty("user.home", old);
        }
    }

    @Test
    void writtenFilesRespectTheUmask(@TempDir Path dir) throws IOException {
        Set<PosixFilePermission> normal = Files.getPosixFilePermissions(Files.createFile(dir.resolve("plain")));
        Path synth = dir.resolve("t.gguf"), logits = dir.resolve("l.f32"), stats = dir.resolve("s.json");
        assertEquals(0, run("synth", "--shape", "tiny", "--type", "F32", "--out", synth.toString()).rc);
        assertEquals(0, run("eval-logits", "-m", model(), "--tokens", "1,2", "--out", logits.toString()).rc);
        assertEquals(
                0,
                run(
                                "generate",
                                "-m",
                                model(),
                                "--prompt-tokens",
                                "1",
                                "-n",
                                "2",
                                "--quiet-stats",
                                "--stats-json",
                                stats.toString())
                        .rc);
        for (Path p : new Path[] {synth, logits, stats}) {
            assertEquals(
                    PosixFilePermissions.toString(normal),
                    PosixFilePermissions.toString(Files.getPosixFilePermissions(p)),
                    p.toString());
        }
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(4, left.count(), "no temporary files left");
        }
    }

    /** A standard output whose reader went away: every write fails, as after EPIPE. */
    static final class ClosedPipe extends OutputStream {
        int writes;

        @Override
        public void write(int b) throws IOException {
            writes++;
            throw new IOException("Broken pipe");
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            writes++;
            throw new IOException("Broken pipe");
        }
    }

    @Test
    void generationStopsWhenStandardOutputCloses() {
        ClosedPipe pipe = new ClosedPipe();
        StringWriter err = new StringWriter();
        int rc = Main.run(
                new String[] {
                    "generate", "-m", model(), "--prompt-tokens", "1", "-n", "300", "--ignore-eos", "--temperature", "0"
                },
                new PrintWriter(new PrintStream(pipe, true), true),
                new PrintWriter(err));
        assertEquals(1, rc, err.toString());
        assertTrue(pipe.writes < 10, "stopped after the first failed writes, not " + pipe.writes);
        assertTrue(err.toString().startsWith("specdec: ") && err.toString().contains("output"), err.toString());
    }

    @Test
    void tokenizeInputReportsBadLinesPerLine(@TempDir Path dir) throws IOException {
        String vocab = TestData.root()
                .resolve("tokenizer")
                .resolve("ggml-vocab-llama-spm.gguf")
                .toString();
        Path in = Files.writeString(
                dir.resolve("in.jsonl"),
                "{\"text\": \"Hello world\"}\nnot json\n{\"txt\": 1}\n{\"text\": \"world\"}\n");
        Run r = run("tokenize", "-m", vocab, "--input", in.toString(), "--no-bos");
        assertEquals(0, r.rc, r.err);
        var lines = r.out.strip().lines().toList();
        assertEquals(4, lines.size(), r.out);
        assertEquals("{\"ids\":[15043,3186]}", lines.get(0));
        assertTrue(lines.get(1).startsWith("{\"error\":\"line 2: not JSON"), lines.get(1));
        assertTrue(lines.get(2).startsWith("{\"error\":\"line 3: expected"), lines.get(2));
        assertEquals("{\"ids\":[3186]}", lines.get(3));
    }

    @Test
    void synthHelpListsEveryShapeArchitectureAndChatTemplate() {
        Run r = run("synth", "--help");
        assertEquals(0, r.rc);
        for (String s : dev.specdec.target.ModelSynthesizer.SHAPES.keySet())
            assertTrue(r.out.contains(s), "synth --help lacks shape " + s);
        for (String a : new String[] {"llama", "qwen2", "gemma", "gemma2", "phi3"}) assertTrue(r.out.contains(a), a);
        for (String t : new String[] {"llama3", "chatml", "gemma", "phi3"}) assertTrue(r.out.contains(t), t);
    }
}
