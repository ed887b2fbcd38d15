package dev.specdec.target;

import dev.specdec.kernels.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Model files derived from the test data for tests that need a variant (written into the test's own temporary folder). */
public final class TestModels {
    private TestModels() {}

    /** Qwen 2's tiny test model with Qwen 2.5's published chat template (the test model has none), written to {@code dir}. */
    public static Path qwen2WithChatTemplate(Path dir) throws IOException {
        Path out = dir.resolve("qwen2-chat.gguf");
        String template = java.nio.file.Files.readString(
                TestData.root().resolve("templates").resolve("Qwen-Qwen2.5-7B-Instruct.jinja"));
        try (GgufFile f = GgufFile.open(TestData.model("qwen2-bpe-tiny.gguf"))) {
            GgufWriter w =
                    new GgufWriter().putAll(f.metadata()).put("tokenizer.chat_template", GgufValue.string(template));
            for (Tensor t : f.tensors().values()) w.addRawTensor(t.name(), t.type(), t.shape(), t.data());
            w.write(out, false);
        }
        return out;
    }

    /**
     * Writes {@code src} with {@code extra} tokens "[PAD<id>]" (type UNUSED, as llama.cpp's converter
     * pads vocabularies) appended: every vocabulary-sized metadata array grows, and token_embd and
     * output get rows for them. The new output rows are random with twice the spread of the others,
     * so the new tokens win some positions but not all.
     */
    public static Path withExtraTokens(Path src, Path dst, int extra, long seed) throws IOException {
        try (GgufFile f = GgufFile.open(src)) {
            int vocab = f.getArray("tokenizer.ggml.tokens").size();
            GgufWriter w = new GgufWriter();
            for (var e : f.metadata().entrySet()) {
                GgufValue v = e.getValue();
                if (v.type() == GgufValueType.ARRAY && ((List<?>) v.value()).size() == vocab) {
                    List<Object> grown = new ArrayList<>((List<?>) v.value());
                    for (int i = vocab; i < vocab + extra; i++) {
                        grown.add(
                                switch (e.getKey()) {
                                    case "tokenizer.ggml.tokens" -> "[PAD" + i + "]";
                                    case "tokenizer.ggml.scores" -> 0f;
                                    case "tokenizer.ggml.token_type" -> 5; // UNUSED
                                    default ->
                                        throw new IllegalStateException("unexpected vocabulary array " + e.getKey());
                                });
                    }
                    v = GgufValue.array(v.elementType(), grown);
                }
                w.put(e.getKey(), v);
            }
            for (Tensor t : f.tensors().values()) {
                if (!t.name().equals("token_embd.weight") && !t.name().equals("output.weight")) {
                    w.addRawTensor(t.name(), t.type(), t.shape(), t.data());
                    continue;
                }
                int cols = t.cols();
                float[] first = new float[cols];
                t.row(0, first, 0);
                double squares = 0;
                for (float x : first) squares += x * x;
                double sd = Math.sqrt(squares / cols); // the spread of an existing row
                SplittableRandom rnd = new SplittableRandom(seed + t.name().hashCode());
                w.addTensor(t.name(), t.type(), new long[] {cols, vocab + extra}, (r, row) -> {
                    if (r < vocab) t.row(r, row, 0);
                    else for (int i = 0; i < cols; i++) row[i] = (float) (rnd.nextGaussian() * 2 * sd);
                });
            }
            w.write(dst, false);
        }
        return dst;
    }
}
