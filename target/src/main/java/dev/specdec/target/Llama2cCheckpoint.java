package dev.specdec.target;

import dev.specdec.kernels.LE;
import dev.specdec.kernels.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * llama.c checkpoints (the legacy "version 0" layout of stories260K.bin): a 7-int header
 * {dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len} (a negative vocab size
 * means a separate classifier follows), then float32 tensors in a fixed order. The weights are
 * mapped, not copied, and exposed as F32 tensors of an architecture-{@code llama} model.
 */
public final class Llama2cCheckpoint {
    private Llama2cCheckpoint() {}

    private static final String[] HEADER = {
        "dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"
    };

    public static ModelWeights load(Path file, Path tokenizerFile) {
        return load(file, LoadOptions.DEFAULT.withTokenizer(tokenizerFile));
    }

    static ModelWeights load(Path file, LoadOptions options) {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment seg = ModelLoader.map(file, arena);
            if (seg.byteSize() < 28)
                throw new ModelFormatException(
                        file,
                        0,
                        "header",
                        "file is " + seg.byteSize()
                                + " bytes: neither a GGUF file nor a llama2.c checkpoint (needs a 28-byte header)");
            int[] h = new int[7];
            for (int i = 0; i < 7; i++) h[i] = LE.i32(seg, 4L * i);
            for (int i = 0; i < 7; i++) {
                if (i != 5 && (h[i] <= 0 || h[i] > (1 << 20))) {
                    throw new ModelFormatException(
                            file,
                            4L * i,
                            "header " + HEADER[i],
                            "expected 1..2^20, found " + h[i]
                                    + ": neither a GGUF file (no GGUF magic) nor a llama2.c checkpoint");
                }
            }
            int dim = h[0], hidden = h[1], layers = h[2], heads = h[3], kvHeads = h[4], seqLen = h[6];
            boolean shared = h[5] > 0;
            int vocab = Math.abs(h[5]);
            if (vocab == 0 || dim % heads != 0 || heads % kvHeads != 0) {
                throw new ModelFormatException(file, 0, "header", "inconsistent header " + Arrays.toString(h));
            }
            int headSize = dim / heads, kvDim = kvHeads * headSize;
            long floats = (long) vocab * dim
                    + (long) layers * (2L * dim + (long) dim * dim * 2 + 2L * dim * kvDim + 3L * dim * hidden)
                    + dim
                    + (long) seqLen * headSize
                    + (shared ? 0 : (long) vocab * dim);
            long expected = 28 + 4 * floats;
            if (seg.byteSize() != expected) {
                throw new ModelFormatException(
                        file,
                        -1,
                        "size",
                        "a llama2.c checkpoint with header " + Arrays.toString(h) + " is " + expected
                                + " bytes, the file has " + seg.byteSize());
            }
            long[] off = {28};
            List<Tensor> all = new ArrayList<>(); // in file order, for the tensor check
            Tensor embd = next(seg, off, "token_embd.weight", dim, vocab, all);
            float[][] attNorm = new float[layers][], ffnNorm = new float[layers][];
            Tensor[] wq = new Tensor[layers], wk = new Tensor[layers], wv = new Tensor[layers], wo = new Tensor[layers];
            Tensor[] w1 = new Tensor[layers], w2 = new Tensor[layers], w3 = new Tensor[layers];
            for (int l = 0; l < layers; l++)
                attNorm[l] = next(seg, off, "blk." + l + ".attn_norm.weight", dim, 1, all)
                        .toFloats();
            for (int l = 0; l < layers; l++) wq[l] = next(seg, off, "blk." + l + ".attn_q.weight", dim, dim, all);
            for (int l = 0; l < layers; l++) wk[l] = next(seg, off, "blk." + l + ".attn_k.weight", dim, kvDim, all);
            for (int l = 0; l < layers; l++) wv[l] = next(seg, off, "blk." + l + ".attn_v.weight", dim, kvDim, all);
            for (int l = 0; l < layers; l++) wo[l] = next(seg, off, "blk." + l + ".attn_output.weight", dim, dim, all);
            for (int l = 0; l < layers; l++)
                ffnNorm[l] = next(seg, off, "blk." + l + ".ffn_norm.weight", dim, 1, all)
                        .toFloats();
            for (int l = 0; l < layers; l++) w1[l] = next(seg, off, "blk." + l + ".ffn_gate.weight", dim, hidden, all);
            for (int l = 0; l < layers; l++) w2[l] = next(seg, off, "blk." + l + ".ffn_down.weight", hidden, dim, all);
            for (int l = 0; l < layers; l++) w3[l] = next(seg, off, "blk." + l + ".ffn_up.weight", dim, hidden, all);
            float[] outNorm = next(seg, off, "output_norm.weight", dim, 1, all).toFloats();
            off[0] += 4L * seqLen * headSize; // freq_cis_real and freq_cis_imag: recomputed instead
            Tensor output = shared ? embd : next(seg, off, "output.weight", dim, vocab, all);
            List<LayerWeights> blocks = new ArrayList<>();
            for (int l = 0; l < layers; l++) {
                blocks.add(new LayerWeights(
                        attNorm[l],
                        new LayerWeights.Attention.Separate<>(wq[l], wk[l], wv[l]),
                        new LayerWeights.Bias.None<>(),
                        wo[l],
                        ffnNorm[l],
                        new LayerWeights.Ffn.Gated<>(w1[l], w3[l]),
                        w2[l],
                        new LayerWeights.PostNorms.None<>()));
            }
            ArchitectureProfile llama = Architecture.LLAMA.profile(); // llama2.c checkpoints are LLaMA models
            ModelConfig config = new ModelConfig(
                    Architecture.LLAMA,
                    dim,
                    layers,
                    heads,
                    kvHeads,
                    headSize,
                    hidden,
                    vocab,
                    seqLen,
                    1e-5f,
                    10000.0,
                    headSize,
                    llama.ropeLayout(),
                    1f,
                    llama.activation(),
                    0f,
                    0f,
                    0,
                    false,
                    llama.queryScale().scale(dim, heads, headSize, layers));
            if (options.checkTensors()) TensorCheck.scan(file, seg, all, options.threads());
            Tokenizer tok = options.tokenizer() != null ? readTokenizer(options.tokenizer(), vocab) : null;
            return new ModelWeights(file, config, tok, embd, List.copyOf(blocks), outNorm, output, null, null, arena);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static Tensor next(MemorySegment seg, long[] off, String name, int cols, int rows, List<Tensor> all) {
        Tensor t = ModelLoader.f32(name, seg, off[0], cols, rows);
        off[0] += 4L * cols * rows;
        all.add(t);
        return t;
    }

    /** Reads a llama2.c tokenizer.bin: int32 max_token_length, then per token float score, int32 length, bytes. */
    public static Vocabulary readTokenizer(Path file, int vocab) {
        byte[] all;
        try {
            all = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ModelFormatException(
                    file, -1, null, Files.exists(file) ? "cannot read: " + e.getMessage() : "file not found");
        }
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() < 4) throw new ModelFormatException(file, 0, "max_token_length", "file too short");
        b.getInt();
        String[] text = new String[vocab];
        float[] scores = new float[vocab];
        int[] types = new int[vocab];
        for (int i = 0; i < vocab; i++) {
            long at = b.position();
            if (b.remaining() < 8)
                throw new ModelFormatException(
                        file, at, "token " + i, "file ends after " + i + " of " + vocab + " tokens");
            scores[i] = b.getFloat();
            int len = b.getInt();
            if (len < 0 || len > b.remaining())
                throw new ModelFormatException(
                        file, at + 4, "token " + i + " length", "length " + len + " runs past the end");
            byte[] t = new byte[len];
            b.get(t);
            String s = new String(t, StandardCharsets.UTF_8);
            types[i] = i == 0
                    ? Vocabulary.UNKNOWN
                    : (i <= 2
                            ? Vocabulary.CONTROL
                            : (s.matches("<0x[0-9A-F]{2}>") ? Vocabulary.BYTE : Vocabulary.NORMAL));
            // llama2.c writes pieces with a plain space; SentencePiece marks it with U+2581
            text[i] = types[i] == Vocabulary.NORMAL ? s.replace(' ', '\u2581') : s;
        }
        return new Vocabulary(
                Vocabulary.Kind.SPM, "default", text, scores, types, List.of(), 1, 2, 0, -1, true, true, false);
    }
}
