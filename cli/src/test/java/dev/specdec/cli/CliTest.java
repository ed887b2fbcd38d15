package dev.specdec.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.specdec.target.CorruptCopies;
import dev.specdec.target.TestData;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line end to end, in process. */
class CliTest {
    record Run(int rc, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int rc = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(rc, out.toString(), err.toString());
    }

    static String model(String name) {
        return TestData.model(name).toString();
    }

    @Test
    void helpListsEveryCommand() {
        Run r = run("--help");
        assertEquals(0, r.rc);
        for (String c : new String[] {
            "generate", "sample", "demo", "bench", "eval-logits", "tokenize", "detokenize", "inspect", "synth"
        }) {
            assertTrue(r.out.contains(c), "help lacks " + c);
        }
    }

    @Test
    void userErrorsAreOneClearLine(@TempDir Path dir) throws IOException {
        Run missing = run("generate", "-m", dir.resolve("nope.gguf").toString(), "--prompt-tokens", "1,2");
        assertEquals(1, missing.rc);
        assertEquals(1, missing.err.strip().lines().count(), missing.err);
        assertTrue(missing.err.contains("nope.gguf") && missing.err.contains("not found"), missing.err);

        Path text = Files.writeString(dir.resolve("notes.txt"), "this is not a model, just some text in a file");
        Run notModel = run("inspect", text.toString());
        assertEquals(1, notModel.rc);
        assertTrue(notModel.err.contains("notes.txt"), notModel.err);
        assertEquals(1, notModel.err.strip().lines().count(), notModel.err);

        Run badFlag = run("generate", "-m", model("stories260K.gguf"), "--prompt-tokens", "1", "--bogus");
        assertEquals(2, badFlag.rc);
        assertTrue(badFlag.err.contains("--bogus"), badFlag.err);

        Run badK =
                run("generate", "-m", model("stories260K.gguf"), "--prompt-tokens", "1", "--draft", "ngram", "-k", "0");
        assertEquals(2, badK.rc, "a value -k can never take is bad usage");
        assertTrue(badK.err.contains("k must be"), badK.err);

        Run badToken = run("generate", "-m", model("stories260K.gguf"), "--prompt-tokens", "1,99999");
        assertEquals(1, badToken.rc);
        assertTrue(badToken.err.contains("99999"), badToken.err);
    }

    @Test
    void brokenModelsAreOneLine(@TempDir Path dir) {
        Path q8 = TestData.model("llama2-spm-d256-q8_0.gguf");
        Path nan = CorruptCopies.withNaNScale(q8, dir.resolve("nan.gguf"), "blk.0.attn_q.weight", 0, 0);
        long block0 = CorruptCopies.info(q8, "blk.0.attn_q.weight").dataAt();
        Run garbage =
                run("generate", "-m", nan.toString(), "--prompt-tokens", "1,5,9", "-n", "8", "--temperature", "0");
        assertEquals(1, garbage.rc, garbage.err);
        assertEquals(
                "specdec: the logits of the target model for position 3 are not finite (NaN for token 0): its weights probably "
                        + "hold NaN or Inf; load it with --check-tensors to find the tensor",
                garbage.err.strip());
        String named = "specdec: " + nan + " at offset " + block0
                + ", tensor 'blk.0.attn_q.weight': Q8_0 [256, 256]: block 0 decodes "
                + "to NaN at element 0 (row 0, column 0): the block's scale or min is not finite";
        for (String[] args : new String[][] {
            {"generate", "-m", nan.toString(), "--prompt-tokens", "1,5,9", "-n", "8", "--check-tensors"},
            {
                "generate",
                "-m",
                q8.toString(),
                "--draft",
                nan.toString(),
                "--prompt-tokens",
                "1,5,9",
                "-n",
                "8",
                "--check-tensors"
            },
            {"inspect", nan.toString(), "--check-tensors"}
        }) {
            Run checked = run(args);
            assertEquals(1, checked.rc, checked.err);
            assertEquals(named, checked.err.strip(), String.join(" ", args));
        }

        var q = CorruptCopies.info(q8, "blk.0.attn_q.weight");
        Path moved = CorruptCopies.flipByte(q8, dir.resolve("moved.gguf"), q.offsetAt() + 1, 0x01);
        Run flipped = run("generate", "-m", moved.toString(), "--prompt-tokens", "1,5,9", "-n", "8");
        assertEquals(1, flipped.rc);
        assertEquals(
                "specdec: " + moved + " at offset " + q.offsetAt()
                        + ", tensor 'blk.0.attn_q.weight' offset: has offset "
                        + (q.offset() ^ 0x100) + ", expected " + q.offset()
                        + " (the end of tensor 'blk.0.attn_output.weight' rounded up to "
                        + "the alignment 32)",
                flipped.err.strip());
    }

    @Test
    void generateReproducesTheReferenceGreedyContinuation(@TempDir Path dir) throws IOException {
        JsonNode ref = TestData.json(TestData.ref("stories260K.json"));
        int[] input = TestData.ints(ref.get("input_tokens"));
        int[] expected = Arrays.copyOf(TestData.ints(ref.get("greedy").get("tokens")), 20);
        String prompt =
                String.join(",", Arrays.stream(input).mapToObj(String::valueOf).toList());
        for (String[] extra : new String[][] {
            {}, {"--draft", "ngram", "-k", "3"}, {"--draft", model("stories260K.bin"), "--policy", "adaptive"}
        }) {
            String[] args = concat(
                    new String[] {
                        "generate",
                        "-m",
                        model("stories260K.gguf"),
                        "--prompt-tokens",
                        prompt,
                        "-n",
                        "20",
                        "--temperature",
                        "0",
                        "--print-token-ids",
                        "--ignore-eos",
                        "--stats-json",
                        dir.resolve("s.json").toString()
                    },
                    extra);
            Run r = run(args);
            assertEquals(0, r.rc, r.err);
            int[] got = Arrays.stream(r.out.strip().split(" "))
                    .mapToInt(Integer::parseInt)
                    .toArray();
            assertArrayEquals(expected, got, String.join(" ", extra));
            JsonNode stats = TestData.json(dir.resolve("s.json"));
            for (String f : new String[] {
                "acceptance_rate",
                "mean_accepted_length",
                "tokens_per_target_call",
                "per_position_acceptance",
                "target_calls",
                "draft_tokens",
                "accepted_tokens",
                "tokens_per_second"
            }) {
                assertTrue(stats.has(f), "stats JSON lacks " + f);
            }
            assertEquals(20, stats.get("generated_tokens").asInt());
        }
    }

    @Test
    void evalLogitsWritesEveryPosition(@TempDir Path dir) {
        JsonNode ref = TestData.json(TestData.ref("llama2-spm-tiny.json"));
        int[] input = TestData.ints(ref.get("input_tokens"));
        Path out = dir.resolve("l.f32");
        Run r = run(
                "eval-logits",
                "-m",
                model("llama2-spm-tiny.gguf"),
                "--tokens",
                String.join(",", Arrays.stream(input).mapToObj(String::valueOf).toList()),
                "--out",
                out.toString());
        assertEquals(0, r.rc, r.err);
        float[] got = TestData.floats(out), want = TestData.floats(TestData.ref("llama2-spm-tiny.logits.f32"));
        assertEquals(want.length, got.length);
        for (int i = 0; i < got.length; i++) assertEquals(want[i], got[i], 1e-4, "logit " + i);
        assertEquals(
                1,
                run("eval-logits", "-m", model("llama2-spm-tiny.gguf"), "--tokens", "1", "--out", out.toString()).rc,
                "must not overwrite");
    }

    @Test
    void tokenizeAndDetokenize(@TempDir Path dir) throws IOException {
        String vocab = TestData.root()
                .resolve("tokenizer")
                .resolve("ggml-vocab-llama-spm.gguf")
                .toString();
        Run r = run("tokenize", "-m", vocab, "--text", "Hello world");
        assertEquals(0, r.rc, r.err);
        assertEquals("1 15043 3186", r.out.strip());
        assertEquals(
                "15043 3186",
                run("tokenize", "-m", vocab, "--text", "Hello world", "--no-bos")
                        .out
                        .strip());
        Path in = Files.writeString(dir.resolve("in.jsonl"), "{\"text\": \"Hello world\"}\n{\"text\": \"<s>\"}\n");
        Run j = run("tokenize", "-m", vocab, "--input", in.toString(), "--no-bos", "--parse-special");
        assertEquals("{\"ids\":[15043,3186]}\n{\"ids\":[1]}", j.out.strip());
        assertEquals(
                "Hello world",
                run("detokenize", "-m", vocab, "--ids", "15043,3186").out.strip());
    }

    @Test
    void synthInspectAndSample(@TempDir Path dir) {
        Path m = dir.resolve("tiny.gguf");
        assertEquals(0, run("synth", "--shape", "tiny", "--type", "Q8_0", "--out", m.toString()).rc);
        assertEquals(
                1, run("synth", "--shape", "tiny", "--type", "Q8_0", "--out", m.toString()).rc, "must not overwrite");
        Run i = run("inspect", m.toString());
        assertEquals(0, i.rc, i.err);
        assertTrue(
                i.out.contains("architecture  llama")
                        && i.out.contains("blk.0.attn_q.weight")
                        && i.out.contains("Q8_0"),
                i.out);
        Run s = run(
                "sample",
                "-m",
                m.toString(),
                "--prompt-tokens",
                "1,5,7",
                "-n",
                "4",
                "--count",
                "5",
                "--seed",
                "3",
                "--draft",
                "ngram");
        assertEquals(0, s.rc, s.err);
        assertEquals(5, s.out.strip().lines().count());
        Run again = run(
                "sample",
                "-m",
                m.toString(),
                "--prompt-tokens",
                "1,5,7",
                "-n",
                "4",
                "--count",
                "5",
                "--seed",
                "3",
                "--draft",
                "ngram");
        assertEquals(s.out, again.out, "same seeds and inputs, same samples");
        for (String arch : new String[] {"qwen2", "gemma", "gemma2", "phi3"}) {
            Path a = dir.resolve(arch + ".gguf");
            assertEquals(
                    0,
                    run("synth", "--arch", arch, "--shape", "tiny", "--type", "F32", "--out", a.toString()).rc,
                    arch);
            Run g = run(
                    "generate", "-m", a.toString(), "-p", "hello", "-n", "5", "--temperature", "0", "--quiet-stats");
            assertEquals(0, g.rc, arch + ": " + g.err);
        }
    }

    @Test
    void benchWritesTheJsonFieldsScriptsRelyOn(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("b.json");
        Run r = run(
                "bench",
                model("stories260K.gguf"),
                "--reps",
                "1",
                "--decode-tokens",
                "4",
                "--max-b",
                "3",
                "--pp",
                "16",
                "--bandwidth-mib",
                "32",
                "--output",
                "json",
                "--out",
                out.toString());
        assertEquals(0, r.rc, r.err);
        JsonNode n = TestData.json(out).get(0);
        for (String f : new String[] {
            "model",
            "type",
            "threads",
            "bandwidth_gbps",
            "decode_tokens_per_s",
            "decode_gbps",
            "pass_ms",
            "pass_cost_ratio",
            "prompt_tokens_per_s",
            "resident_bytes",
            "cpu_model",
            "cpu_flags",
            "java",
            "vector_bits"
        }) {
            assertTrue(n.has(f), "bench JSON lacks " + f);
        }
        assertEquals(1.0, n.get("pass_cost_ratio").get("1").asDouble(), 0.0);
        assertTrue(n.get("pass_ms").has("3"));
        Run cmp = run(
                "bench",
                model("stories260K.gguf"),
                "--reps",
                "1",
                "--decode-tokens",
                "4",
                "--max-b",
                "2",
                "--pp",
                "16",
                "--bandwidth-mib",
                "32",
                "--compare-to",
                out.toString());
        assertEquals(0, cmp.rc, cmp.err);
        assertTrue(cmp.out.contains("ratios against"), cmp.out);
        // the markdown report and the progress lines name the machine
        String cpu = dev.specdec.kernels.CpuInfo.current().model();
        assertTrue(cmp.out.startsWith("cpu: " + cpu), cmp.out);
        assertTrue(cmp.err.contains("cpu: " + cpu), cmp.err);
    }

    @Test
    void versionNamesTheCpuAndTheVectorWidth() {
        Run r = run("--version");
        assertEquals(0, r.rc);
        assertTrue(r.out.contains(dev.specdec.kernels.Vectors.describe()), r.out);
        assertTrue(
                r.out.contains("cpu: " + dev.specdec.kernels.CpuInfo.current().describe()), r.out);
    }

    private static String[] concat(String[] a, String[] b) {
        String[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
