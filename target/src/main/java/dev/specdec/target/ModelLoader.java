package dev.specdec.target;

import dev.specdec.kernels.GgmlType;
import dev.specdec.kernels.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns a model file into {@link ModelWeights}: GGUF (any supported architecture) or a llama2.c
 * checkpoint (told apart by the GGUF magic). Every hyper-parameter comes from the file; a
 * combination we cannot run exactly is refused here, at load, with the key that caused it.
 */
public final class ModelLoader {
    private ModelLoader() {}

    /** Loads a model; {@code tokenizerFile} is only used for llama2.c checkpoints (may be null). */
    public static ModelWeights load(Path file, Path tokenizerFile) {
        return load(file, LoadOptions.DEFAULT.withTokenizer(tokenizerFile));
    }

    public static ModelWeights load(Path file) {
        return load(file, LoadOptions.DEFAULT);
    }

    /** Loads a model; with {@link LoadOptions#checkTensors} every weight is checked to be finite before it is returned. */
    public static ModelWeights load(Path file, LoadOptions options) {
        if (!Files.isRegularFile(file)) {
            throw new ModelFormatException(
                    file, -1, null, Files.exists(file) ? "not a regular file" : "file not found");
        }
        if (GgufFile.isGguf(file)) {
            GgufFile f = GgufFile.open(file);
            try {
                ModelWeights w = fromGguf(f);
                // every tensor of the file, used or not, as llama.cpp's check does
                if (options.checkTensors())
                    TensorCheck.scan(file, f.segment(), List.copyOf(f.tensors().values()), options.threads());
                return w;
            } catch (RuntimeException e) {
                f.close();
                throw e;
            }
        }
        return Llama2cCheckpoint.load(file, options);
    }

    /** Builds the model of an open GGUF file; the weights take ownership of the file. */
    public static ModelWeights fromGguf(GgufFile f) {
        String archName = f.getString("general.architecture", null);
        if (archName == null)
            throw new ModelFormatException(
                    f.path(), -1, "metadata 'general.architecture'", "missing: is this a vocabulary-only file?");
        Architecture arch = Architecture.byName(archName);
        if (arch == null) {
            throw new ModelFormatException(
                    f.path(),
                    -1,
                    "metadata 'general.architecture'",
                    "expected one of the supported architectures (" + Architecture.supportedNames() + "), found '"
                            + archName + "'");
        }
        ArchitectureProfile a = arch.profile();
        String p = archName + ".";
        int dim = positive(f, p + "embedding_length", f.requireInt(p + "embedding_length"));
        int layers = positive(f, p + "block_count", f.requireInt(p + "block_count"));
        int heads = positive(f, p + "attention.head_count", f.requireInt(p + "attention.head_count"));
        int kvHeads = positive(f, p + "attention.head_count_kv", f.getInt(p + "attention.head_count_kv", heads));
        int ffn = positive(f, p + "feed_forward_length", f.requireInt(p + "feed_forward_length"));
        if (heads % kvHeads != 0) {
            throw new ModelFormatException(
                    f.path(),
                    -1,
                    "metadata '" + p + "attention.head_count_kv'",
                    "head_count " + heads + " is not a multiple of head_count_kv " + kvHeads);
        }
        int headDim = positive(f, p + "attention.key_length", f.getInt(p + "attention.key_length", dim / heads));
        int valueDim = f.getInt(p + "attention.value_length", headDim);
        if (valueDim != headDim) {
            throw new ModelFormatException(
                    f.path(),
                    -1,
                    "metadata '" + p + "attention.value_length'",
                    "value length " + valueDim + " != key length " + headDim + " is not supported");
        }
        Tensor embd = f.requireTensor("token_embd.weight");
        if (embd.shape().length != 2 || embd.shape()[0] != dim) {
            throw new ModelFormatException(
                    f.path(),
                    -1,
                    "tensor 'token_embd.weight'",
                    "expected shape [" + dim + ", n_vocab], found " + Arrays.toString(embd.shape()));
        }
        int vocab = Math.toIntExact(embd.shape()[1]);
        int ctx = positive(f, p + "context_length", f.getInt(p + "context_length", 2048));
        float eps = (float) f.getDouble(p + "attention.layer_norm_rms_epsilon", 1e-5);
        double ropeBase = f.getDouble(p + "rope.freq_base", 10000.0);
        int ropeDims = f.getInt(p + "rope.dimension_count", headDim);
        if (ropeDims <= 0 || ropeDims > headDim || ropeDims % 2 != 0) {
            throw new ModelFormatException(
                    f.path(),
                    -1,
                    "metadata '" + p + "rope.dimension_count'",
                    "expected an even number in 2.." + headDim + ", found " + ropeDims);
        }
        String scaling = f.getString(p + "rope.scaling.type", "none");
        float linearScale = 1f;
        switch (scaling) {
            case "none" -> {}
            case "linear" -> linearScale = (float) f.getDouble(p + "rope.scaling.factor", 1.0);
            default ->
                throw new ModelFormatException(
                        f.path(),
                        -1,
                        "metadata '" + p + "rope.scaling.type'",
                        "RoPE scaling '" + scaling
                                + "' is not supported (supported: none, linear, rope_freqs factors)");
        }
        int window = a.slidingWindow() ? f.getInt(p + "attention.sliding_window", a.windowDefault()) : 0;
        ModelConfig config = new ModelConfig(
                arch,
                dim,
                layers,
                heads,
                kvHeads,
                headDim,
                ffn,
                vocab,
                ctx,
                eps,
                ropeBase,
                ropeDims,
                a.ropeLayout(),
                a.embeddingsScaled() ? (float) Math.sqrt(dim) : 1f,
                a.activation(),
                a.attnSoftCap() > 0f ? (float) f.getDouble(p + "attn_logit_softcapping", a.attnSoftCap()) : 0f,
                a.finalSoftCap() > 0f ? (float) f.getDouble(p + "final_logit_softcapping", a.finalSoftCap()) : 0f,
                window,
                a.windowOnEvenLayers(),
                a.queryScale().scale(dim, heads, headDim, layers));

        Shapes s = new Shapes(f);
        List<LayerWeights> blocks = new ArrayList<>(layers);
        int qDim = config.qDim(), kvDim = config.kvDim();
        for (int l = 0; l < layers; l++) {
            String b = "blk." + l + ".";
            float[] attnNorm = s.vector(b + "attn_norm.weight", dim);
            LayerWeights.Attention<Tensor> attention = a.fusedQkv()
                    ? new LayerWeights.Attention.Fused<>(s.matrix(b + "attn_qkv.weight", dim, qDim + 2 * kvDim))
                    : new LayerWeights.Attention.Separate<>(
                            s.matrix(b + "attn_q.weight", dim, qDim),
                            s.matrix(b + "attn_k.weight", dim, kvDim),
                            s.matrix(b + "attn_v.weight", dim, kvDim));
            // biases: required where the architecture has them, taken when present elsewhere (as llama.cpp does)
            LayerWeights.Bias<float[]> bias = a.qkvBias() || f.tensor(b + "attn_q.bias") != null
                    ? new LayerWeights.Bias.Qkv<>(
                            s.vector(b + "attn_q.bias", qDim),
                            s.vector(b + "attn_k.bias", kvDim),
                            s.vector(b + "attn_v.bias", kvDim))
                    : new LayerWeights.Bias.None<>();
            Tensor wo = s.matrix(b + "attn_output.weight", qDim, dim);
            LayerWeights.PostNorms<float[]> postNorms = a.postNorms()
                    ? new LayerWeights.PostNorms.Rms<>(
                            s.vector(b + "post_attention_norm.weight", dim), s.vector(b + "post_ffw_norm.weight", dim))
                    : new LayerWeights.PostNorms.None<>();
            float[] ffnNorm = s.vector(b + "ffn_norm.weight", dim);
            LayerWeights.Ffn<Tensor> ffnWeights = a.fusedGateUp()
                    ? new LayerWeights.Ffn.FusedGateUp<>(s.matrix(b + "ffn_up.weight", dim, 2 * ffn))
                    : new LayerWeights.Ffn.Gated<>(
                            s.matrix(b + "ffn_gate.weight", dim, ffn), s.matrix(b + "ffn_up.weight", dim, ffn));
            blocks.add(new LayerWeights(
                    attnNorm,
                    attention,
                    bias,
                    wo,
                    ffnNorm,
                    ffnWeights,
                    s.matrix(b + "ffn_down.weight", ffn, dim),
                    postNorms));
        }
        float[] outNorm = s.vector("output_norm.weight", dim);
        Tensor output = f.tensor("output.weight") != null ? s.matrix("output.weight", dim, vocab) : embd;
        float[] freqFactors = s.optionalVector("rope_freqs.weight", ropeDims / 2);
        if (linearScale != 1f) {
            float[] ff = freqFactors != null ? freqFactors : filled(ropeDims / 2, 1f);
            for (int i = 0; i < ff.length; i++) ff[i] *= linearScale;
            freqFactors = ff;
        }
        ModelWeights.LongRope longRope = null;
        if (f.tensor("rope_factors_long.weight") != null || f.tensor("rope_factors_short.weight") != null) {
            float[] lf = s.vector("rope_factors_long.weight", ropeDims / 2),
                    sf = s.vector("rope_factors_short.weight", ropeDims / 2);
            if (freqFactors != null || linearScale != 1f) {
                throw new ModelFormatException(
                        f.path(),
                        -1,
                        "tensor 'rope_factors_long.weight'",
                        "LongRoPE factors together with rope_freqs or linear scaling");
            }
            longRope =
                    new ModelWeights.LongRope(sf, lf, f.getInt(p + "rope.scaling.original_context_length", ctx), (float)
                            f.getDouble(p + "rope.scaling.attn_factor", 1.0));
        }
        Tokenizer tokenizer = f.has("tokenizer.ggml.tokens") ? GgufVocabulary.tokenizer(f) : null;
        if (tokenizer != null && tokenizer.vocabularySize() > vocab) {
            throw new ModelFormatException(
                    f.path(),
                    -1,
                    "metadata 'tokenizer.ggml.tokens'",
                    "vocabulary has " + tokenizer.vocabularySize() + " tokens but token_embd.weight has " + vocab
                            + " rows");
        }
        return new ModelWeights(
                f.path(), config, tokenizer, embd, List.copyOf(blocks), outNorm, output, freqFactors, longRope, f);
    }

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        Arrays.fill(a, v);
        return a;
    }

    private static int positive(GgufFile f, String key, int v) {
        if (v <= 0)
            throw new ModelFormatException(
                    f.path(), -1, "metadata '" + key + "'", "expected a positive value, found " + v);
        return v;
    }

    /** Tensor lookups that check shapes against the configuration. */
    private record Shapes(GgufFile f) {
        Tensor matrix(String name, int in, int out) {
            Tensor t = f.requireTensor(name);
            long[] sh = t.shape();
            if (sh.length != 2 || sh[0] != in || sh[1] != out) {
                throw new ModelFormatException(
                        f.path(),
                        -1,
                        "tensor '" + name + "'",
                        "expected shape [" + in + ", " + out + "], found " + Arrays.toString(sh));
            }
            return t;
        }

        float[] vector(String name, int n) {
            Tensor t = f.requireTensor(name);
            if (t.elements() != n) {
                throw new ModelFormatException(
                        f.path(),
                        -1,
                        "tensor '" + name + "'",
                        "expected " + n + " values, found " + Arrays.toString(t.shape()));
            }
            return t.toFloats();
        }

        float[] optionalVector(String name, int n) {
            return f.tensor(name) == null ? null : vector(name, n);
        }
    }

    /** An F32 tensor view of {@code rows x cols} floats at byte {@code offset} of a segment. */
    static Tensor f32(String name, MemorySegment seg, long offset, int cols, int rows) {
        long[] shape = rows == 1 ? new long[] {cols} : new long[] {cols, rows};
        return new Tensor(name, GgmlType.F32, shape, seg.asSlice(offset, 4L * cols * rows));
    }

    static MemorySegment map(Path file, Arena arena) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
        } catch (NoSuchFileException e) {
            throw new ModelFormatException(file, -1, null, "file not found");
        } catch (IOException e) {
            throw new ModelFormatException(file, -1, null, "cannot read: " + e.getMessage());
        }
    }
}
