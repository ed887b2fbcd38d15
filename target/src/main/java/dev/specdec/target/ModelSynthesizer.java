package dev.specdec.target;

import dev.specdec.kernels.GgmlType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Writes GGUF models with random weights of realistic shapes, for benchmarks and tests that must
 * run anywhere without downloads. The weights are N(0, 1/fan_in) (norms near 1), so activations and
 * logits have realistic magnitudes; the text such a model writes is meaningless, its speed is real.
 */
public final class ModelSynthesizer {
    private ModelSynthesizer() {}

    /** A model shape. */
    public record Shape(String name, int dim, int layers, int heads, int kvHeads, int ffn, int vocab, int context) {
        public int headDim() {
            return dim / heads;
        }
    }

    public static final Map<String, Shape> SHAPES = new LinkedHashMap<>();

    static {
        add(new Shape("tiny", 64, 2, 4, 2, 192, 512, 2048));
        add(new Shape("15m", 288, 6, 6, 6, 768, 32000, 2048));
        add(new Shape("110m", 768, 12, 12, 12, 2048, 32000, 2048));
        add(new Shape("1b", 2048, 16, 32, 8, 8192, 32000, 4096));
        add(new Shape("3b", 3072, 28, 24, 8, 8192, 32000, 4096));
        add(new Shape("qwen2-0.5b", 896, 24, 14, 2, 4864, 32000, 4096));
        add(new Shape("gemma-2b", 2048, 18, 8, 1, 16384, 32000, 4096));
        add(new Shape("gemma2-2b", 2304, 26, 8, 4, 9216, 32000, 4096));
        add(new Shape("phi3-mini", 3072, 32, 32, 32, 8192, 32064, 4096));
    }

    private static void add(Shape s) {
        SHAPES.put(s.name, s);
    }

    public static Shape shape(String name) {
        Shape s = SHAPES.get(name);
        if (s == null)
            throw new IllegalArgumentException(
                    "unknown shape '" + name + "' (known: " + String.join(", ", SHAPES.keySet()) + ")");
        return s;
    }

    /**
     * What a synthetic model gets beyond its shape.
     *
     * @param vocabFrom a GGUF file whose vocabulary to copy (its size overrides the shape's), or null
     *                  for a synthetic SentencePiece-style vocabulary with byte fallback
     * @param chat      a chat family whose template and special tokens the model carries, or null
     * @param shallow   layers from this one on have their residual outputs scaled by {@code deepScale}
     */
    public record Options(Path vocabFrom, ChatFamily chat, int shallow, double deepScale) {
        public static final Options DEFAULT = new Options(null, null, Integer.MAX_VALUE, 1.0);

        public Options withVocabFrom(Path p) {
            return new Options(p, chat, shallow, deepScale);
        }

        public Options withChat(ChatFamily c) {
            return new Options(vocabFrom, c, shallow, deepScale);
        }

        public Options withDeepLayers(int fromLayer, double scale) {
            return new Options(vocabFrom, chat, fromLayer, scale);
        }
    }

    /** Writes a model; {@code vocabFrom} as in {@link Options}. */
    public static void write(
            Architecture arch, Shape shape, GgmlType type, long seed, Path out, Path vocabFrom, boolean overwrite)
            throws IOException {
        write(arch, shape, type, seed, out, overwrite, Options.DEFAULT.withVocabFrom(vocabFrom));
    }

    /** Writes a model; see {@link #writer}. */
    public static void write(
            Architecture arch, Shape shape, GgmlType type, long seed, Path out, boolean overwrite, Options o)
            throws IOException {
        writer(arch, shape, type, seed, o).write(out, overwrite);
    }

    /**
     * A model ready to be written (its rows are made as they are written, so this is cheap). Tensor
     * values depend only on the seed and the tensor's name, so a model with {@code o.shallow()}
     * layers and the same seed is that model's first layers: with the deeper layers' residual
     * outputs (attn_output, ffn_down) scaled by {@code o.deepScale()}, a synthetic draft/target pair
     * whose agreement the scale controls (used by {@code specdec demo}).
     */
    public static GgufWriter writer(Architecture arch, Shape shape, GgmlType type, long seed, Options o)
            throws IOException {
        GgufWriter w = new GgufWriter();
        String a = arch.ggufName();
        int vocab = shape.vocab;
        List<String> specials = o.chat() == null ? List.of() : o.chat().specialTokens();
        Map<String, GgufValue> tokenizer = new LinkedHashMap<>();
        if (o.vocabFrom() != null) {
            try (GgufFile src = GgufFile.open(o.vocabFrom())) {
                for (var e : src.metadata().entrySet())
                    if (e.getKey().startsWith("tokenizer.")) tokenizer.put(e.getKey(), e.getValue());
                List<?> toks = src.getArray("tokenizer.ggml.tokens");
                if (toks == null)
                    throw new ModelFormatException(
                            o.vocabFrom(), -1, "metadata 'tokenizer.ggml.tokens'", "no vocabulary to copy");
                vocab = toks.size();
                for (String t : specials) {
                    if (!toks.contains(t)) {
                        throw new IllegalArgumentException("the vocabulary of " + o.vocabFrom() + " has no " + t
                                + ", which the " + o.chat().id() + " chat template writes");
                    }
                }
            }
        } else {
            tokenizer.putAll(syntheticVocabulary(vocab, seed, specials));
        }
        if (o.chat() != null)
            tokenizer.put("tokenizer.chat_template", GgufValue.string(o.chat().template()));
        int shallow = o.shallow();
        double deepScale = o.deepScale();
        int headDim = shape.headDim();
        w.put("general.architecture", GgufValue.string(a));
        w.put("general.name", GgufValue.string("specdec-synth-" + a + "-" + shape.name));
        w.put(
                "general.description",
                GgufValue.string("RANDOM WEIGHTS (specdec synth, seed " + seed + "): meaningless text, real speed"));
        w.put(a + ".context_length", GgufValue.u32(shape.context));
        w.put(a + ".embedding_length", GgufValue.u32(shape.dim));
        w.put(a + ".block_count", GgufValue.u32(shape.layers));
        w.put(a + ".feed_forward_length", GgufValue.u32(shape.ffn));
        w.put(a + ".attention.head_count", GgufValue.u32(shape.heads));
        w.put(a + ".attention.head_count_kv", GgufValue.u32(shape.kvHeads));
        w.put(a + ".attention.layer_norm_rms_epsilon", GgufValue.f32(1e-5f));
        w.put(a + ".rope.freq_base", GgufValue.f32(10000f));
        w.put(a + ".attention.key_length", GgufValue.u32(headDim));
        w.put(a + ".attention.value_length", GgufValue.u32(headDim));
        ArchitectureProfile profile = arch.profile();
        // the architecture's own keys at their defaults; a window of 0 (unlimited) is written as the whole context
        if (profile.slidingWindow()) {
            w.put(
                    a + ".attention.sliding_window",
                    GgufValue.u32(profile.windowDefault() > 0 ? profile.windowDefault() : shape.context));
        }
        if (profile.attnSoftCap() > 0f) w.put(a + ".attn_logit_softcapping", GgufValue.f32(profile.attnSoftCap()));
        if (profile.finalSoftCap() > 0f) w.put(a + ".final_logit_softcapping", GgufValue.f32(profile.finalSoftCap()));
        w.putAll(tokenizer);
        int dim = shape.dim, q = shape.heads * headDim, kv = shape.kvHeads * headDim, ffn = shape.ffn;
        GgmlType embType = dim % type.blockSize() == 0 ? type : GgmlType.F32;
        w.addTensor(
                "token_embd.weight", embType, new long[] {dim, vocab}, gaussian(seed, "token_embd.weight", dim, 1.0));
        for (int l = 0; l < shape.layers; l++) {
            String b = "blk." + l + ".";
            w.addTensor(b + "attn_norm.weight", GgmlType.F32, new long[] {dim}, norm(seed, b + "attn_norm.weight"));
            if (profile.fusedQkv()) {
                w.addTensor(
                        b + "attn_qkv.weight",
                        type,
                        new long[] {dim, q + 2 * kv},
                        gaussian(seed, b + "attn_qkv.weight", dim, 1));
            } else {
                w.addTensor(
                        b + "attn_q.weight", type, new long[] {dim, q}, gaussian(seed, b + "attn_q.weight", dim, 1));
                w.addTensor(
                        b + "attn_k.weight", type, new long[] {dim, kv}, gaussian(seed, b + "attn_k.weight", dim, 1));
                w.addTensor(
                        b + "attn_v.weight", type, new long[] {dim, kv}, gaussian(seed, b + "attn_v.weight", dim, 1));
            }
            if (profile.qkvBias()) {
                w.addTensor(b + "attn_q.bias", GgmlType.F32, new long[] {q}, gaussian(seed, b + "attn_q.bias", 25, 1));
                w.addTensor(b + "attn_k.bias", GgmlType.F32, new long[] {kv}, gaussian(seed, b + "attn_k.bias", 25, 1));
                w.addTensor(b + "attn_v.bias", GgmlType.F32, new long[] {kv}, gaussian(seed, b + "attn_v.bias", 25, 1));
            }
            w.addTensor(
                    b + "attn_output.weight",
                    type,
                    new long[] {q, dim},
                    gaussian(seed, b + "attn_output.weight", q, l < shallow ? 1 : deepScale));
            if (profile.postNorms())
                w.addTensor(
                        b + "post_attention_norm.weight",
                        GgmlType.F32,
                        new long[] {dim},
                        norm(seed, b + "post_attention_norm.weight"));
            w.addTensor(b + "ffn_norm.weight", GgmlType.F32, new long[] {dim}, norm(seed, b + "ffn_norm.weight"));
            if (profile.fusedGateUp()) {
                w.addTensor(
                        b + "ffn_up.weight",
                        type,
                        new long[] {dim, 2 * ffn},
                        gaussian(seed, b + "ffn_up.weight", dim, 1));
            } else {
                w.addTensor(
                        b + "ffn_gate.weight",
                        type,
                        new long[] {dim, ffn},
                        gaussian(seed, b + "ffn_gate.weight", dim, 1));
                w.addTensor(
                        b + "ffn_up.weight", type, new long[] {dim, ffn}, gaussian(seed, b + "ffn_up.weight", dim, 1));
            }
            GgmlType downType = ffn % type.blockSize() == 0 ? type : GgmlType.F32;
            w.addTensor(
                    b + "ffn_down.weight",
                    downType,
                    new long[] {ffn, dim},
                    gaussian(seed, b + "ffn_down.weight", ffn, l < shallow ? 1 : deepScale));
            if (profile.postNorms())
                w.addTensor(
                        b + "post_ffw_norm.weight",
                        GgmlType.F32,
                        new long[] {dim},
                        norm(seed, b + "post_ffw_norm.weight"));
        }
        w.addTensor("output_norm.weight", GgmlType.F32, new long[] {dim}, norm(seed, "output_norm.weight"));
        // logits with a spread like a trained model's (std ~3), so sampling is not uniform noise
        if (!profile.tiedOutput())
            w.addTensor("output.weight", type, new long[] {dim, vocab}, gaussian(seed, "output.weight", dim, 3.0));
        return w;
    }

    /** Row r of a [fanIn x rows] matrix with entries N(0, (scale / sqrt(fanIn))^2), reproducible per row. */
    private static GgufWriter.RowSource gaussian(long seed, String name, int fanIn, double scale) {
        double sd = scale / Math.sqrt(fanIn);
        long base = seed * 0x9E3779B97F4A7C15L + name.hashCode() * 0xBF58476D1CE4E5B9L;
        return (r, dst) -> {
            SplittableRandom rnd = new SplittableRandom(base + r);
            for (int i = 0; i < dst.length; i++) dst[i] = (float) (rnd.nextGaussian() * sd);
        };
    }

    private static GgufWriter.RowSource norm(long seed, String name) {
        return (r, dst) -> {
            SplittableRandom rnd = new SplittableRandom(seed * 31 + name.hashCode());
            for (int i = 0; i < dst.length; i++) dst[i] = (float) (1 + 0.1 * rnd.nextGaussian());
        };
    }

    /**
     * A SentencePiece-style vocabulary: unk, BOS, EOS, the 256 byte tokens, distinct lowercase
     * pieces with a leading U+2581, and last the given special (control) tokens, so that a model
     * without them has the same ids. Any text encodes (byte fallback).
     */
    static Map<String, GgufValue> syntheticVocabulary(int vocab, long seed, List<String> specials) {
        if (vocab < 300)
            throw new IllegalArgumentException("a synthetic vocabulary needs at least 300 tokens, got " + vocab);
        List<String> toks = new ArrayList<>(vocab);
        List<Float> scores = new ArrayList<>(vocab);
        List<Integer> types = new ArrayList<>(vocab);
        toks.add("<unk>");
        types.add(Vocabulary.UNKNOWN);
        toks.add("<s>");
        types.add(Vocabulary.CONTROL);
        toks.add("</s>");
        types.add(Vocabulary.CONTROL);
        for (int b = 0; b < 256; b++) {
            toks.add(String.format("<0x%02X>", b));
            types.add(Vocabulary.BYTE);
        }
        Set<String> seen = new HashSet<>();
        for (char c = 'a'; c <= 'z' && toks.size() < vocab - specials.size(); c++) {
            String p = "\u2581" + c;
            seen.add(p);
            toks.add(p);
            types.add(Vocabulary.NORMAL);
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        while (toks.size() < vocab - specials.size()) {
            int len = 2 + rnd.nextInt(6);
            StringBuilder sb = new StringBuilder("\u2581");
            for (int i = 0; i < len; i++) sb.append((char) ('a' + rnd.nextInt(26)));
            if (seen.add(sb.toString())) {
                toks.add(sb.toString());
                types.add(Vocabulary.NORMAL);
            }
        }
        for (String t : specials) {
            toks.add(t);
            types.add(Vocabulary.CONTROL);
        }
        for (int i = 0; i < vocab; i++) scores.add(types.get(i) == Vocabulary.NORMAL ? -(float) i : 0f);
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put("tokenizer.ggml.model", GgufValue.string("llama"));
        m.put("tokenizer.ggml.pre", GgufValue.string("default"));
        m.put("tokenizer.ggml.tokens", GgufValue.array(GgufValueType.STRING, toks));
        m.put("tokenizer.ggml.scores", GgufValue.array(GgufValueType.FLOAT32, scores));
        m.put("tokenizer.ggml.token_type", GgufValue.array(GgufValueType.INT32, types));
        m.put("tokenizer.ggml.bos_token_id", GgufValue.u32(1));
        m.put("tokenizer.ggml.eos_token_id", GgufValue.u32(2));
        m.put("tokenizer.ggml.unknown_token_id", GgufValue.u32(0));
        m.put("tokenizer.ggml.add_bos_token", GgufValue.bool(true));
        return m;
    }
}
