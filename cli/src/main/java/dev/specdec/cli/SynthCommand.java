package dev.specdec.cli;

import dev.specdec.kernels.GgmlType;
import dev.specdec.target.Architecture;
import dev.specdec.target.ModelSynthesizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Random-weight models of realistic shapes. */
@Command(name = "synth", mixinStandardHelpOptions = true,
        description = "Write a GGUF model with RANDOM weights of a realistic shape (meaningless text, real speed), for benchmarks without downloads.")
final class SynthCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Option(names = "--arch", defaultValue = "llama", description = "llama, qwen2, gemma, gemma2, phi3 (default: ${DEFAULT-VALUE}).") String arch;
    @Option(names = "--shape", description = "Named shape: tiny, 15m, 110m, 1b, 3b, qwen2-0.5b, gemma-2b, phi3-mini.") String shape;
    @Option(names = "--dim") Integer dim;
    @Option(names = "--layers") Integer layers;
    @Option(names = "--heads") Integer heads;
    @Option(names = "--kv-heads") Integer kvHeads;
    @Option(names = "--ffn") Integer ffn;
    @Option(names = "--vocab") Integer vocab;
    @Option(names = "--type", defaultValue = "Q8_0", description = "Tensor type of the matrices (default: ${DEFAULT-VALUE}).") String type;
    @Option(names = "--seed", defaultValue = "1", description = "Random seed (default: ${DEFAULT-VALUE}).") long seed;
    @Option(names = "--out", required = true, description = "Output .gguf file.") Path out;
    @Option(names = "--vocab-from", description = "Copy the vocabulary of this GGUF file (so models can draft for each other).") Path vocabFrom;
    @Option(names = "--force", description = "Overwrite the output file.") boolean force;

    @Override public Integer call() throws Exception {
        Architecture a = Architecture.byName(arch);
        if (a == null) throw new IllegalArgumentException("unknown --arch '" + arch + "' (llama, qwen2, gemma, gemma2, phi3)");
        ModelSynthesizer.Shape base = shape != null ? ModelSynthesizer.shape(shape) : ModelSynthesizer.shape("tiny");
        if (shape == null && (dim == null || layers == null || heads == null || ffn == null)) {
            throw new IllegalArgumentException("give --shape NAME or all of --dim --layers --heads --ffn (and optionally --kv-heads --vocab)");
        }
        ModelSynthesizer.Shape s = new ModelSynthesizer.Shape(shape != null ? shape : "custom",
                dim != null ? dim : base.dim(), layers != null ? layers : base.layers(), heads != null ? heads : base.heads(),
                kvHeads != null ? kvHeads : (heads != null ? heads : base.kvHeads()), ffn != null ? ffn : base.ffn(),
                vocab != null ? vocab : base.vocab(), base.context());
        if (s.dim() % s.heads() != 0 || s.heads() % s.kvHeads() != 0) {
            throw new IllegalArgumentException("dim must be a multiple of heads and heads a multiple of kv-heads");
        }
        GgmlType t = GgmlType.parse(type);
        if (t.format() == null) throw new IllegalArgumentException("cannot write tensors of type " + t);
        if (s.dim() % t.blockSize() != 0) throw new IllegalArgumentException("dim " + s.dim() + " is not a multiple of the " + t + " block size " + t.blockSize());
        if (Files.exists(out) && !force) throw new IllegalArgumentException(out + " exists; use --force to overwrite it");
        long t0 = System.nanoTime();
        ModelSynthesizer.write(a, s, t, seed, out, vocabFrom, force);
        spec.commandLine().getErr().printf("wrote %s: %s %s %s, %,d bytes, random weights (seed %d) in %.1f s%n", out, a.ggufName(), s.name(), t,
                Files.size(out), seed, (System.nanoTime() - t0) / 1e9);
        return 0;
    }
}
