package dev.specdec.cli;

import dev.specdec.kernels.GgmlType;
import dev.specdec.target.Architecture;
import dev.specdec.target.ChatFamily;
import dev.specdec.target.ModelSynthesizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Random-weight models of realistic shapes. */
@Command(
        name = "synth",
        mixinStandardHelpOptions = true,
        description =
                "Write a GGUF model with RANDOM weights of a realistic shape (meaningless text, real speed), for benchmarks without downloads.")
final class SynthCommand implements Callable<Integer> {
    // the lists in --help come from the code that knows them, so a new shape cannot be missing there
    static final class Shapes implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return ModelSynthesizer.SHAPES.keySet().iterator();
        }
    }

    static final class Architectures implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Arrays.stream(Architecture.values())
                    .map(Architecture::ggufName)
                    .iterator();
        }
    }

    static final class ChatFamilies implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Arrays.stream(ChatFamily.values()).map(ChatFamily::id).iterator();
        }
    }

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--arch",
            defaultValue = "llama",
            completionCandidates = Architectures.class,
            description = "${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    String arch;

    @Option(
            names = "--shape",
            completionCandidates = Shapes.class,
            description = "Named shape: ${COMPLETION-CANDIDATES}.")
    String shape;

    @Option(names = "--dim")
    Integer dim;

    @Option(names = "--layers")
    Integer layers;

    @Option(names = "--heads")
    Integer heads;

    @Option(names = "--kv-heads")
    Integer kvHeads;

    @Option(names = "--ffn")
    Integer ffn;

    @Option(names = "--vocab")
    Integer vocab;

    @Option(
            names = "--type",
            defaultValue = "Q8_0",
            description = "Tensor type of the matrices (default: ${DEFAULT-VALUE}).")
    String type;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", required = true, description = "Output .gguf file.")
    Path out;

    @Option(
            names = "--vocab-from",
            description = "Copy the vocabulary of this GGUF file (so models can draft for each other).")
    Path vocabFrom;

    @Option(
            names = "--chat-template",
            completionCandidates = ChatFamilies.class,
            description =
                    "Give the model this family's chat template and its special tokens: ${COMPLETION-CANDIDATES}.")
    String chatTemplate;

    @Option(names = "--force", description = "Overwrite the output file.")
    boolean force;

    @Override
    public Integer call() throws Exception {
        Architecture a = Architecture.byName(arch);
        Usage.require(
                spec, a != null, "unknown --arch '" + arch + "' (" + String.join(", ", new Architectures()) + ")");
        Usage.require(
                spec,
                shape != null || (dim != null && layers != null && heads != null && ffn != null),
                "give --shape NAME or all of --dim --layers --heads --ffn (and optionally --kv-heads --vocab)");
        ModelSynthesizer.Shape base = Usage.check(spec, () -> ModelSynthesizer.shape(shape != null ? shape : "tiny"));
        ModelSynthesizer.Shape s = new ModelSynthesizer.Shape(
                shape != null ? shape : "custom",
                dim != null ? dim : base.dim(),
                layers != null ? layers : base.layers(),
                heads != null ? heads : base.heads(),
                kvHeads != null ? kvHeads : (heads != null ? heads : base.kvHeads()),
                ffn != null ? ffn : base.ffn(),
                vocab != null ? vocab : base.vocab(),
                base.context());
        Usage.require(
                spec,
                s.dim() > 0 && s.layers() > 0 && s.heads() > 0 && s.kvHeads() > 0 && s.ffn() > 0 && s.vocab() > 0,
                "--dim, --layers, --heads, --kv-heads, --ffn and --vocab must be >= 1");
        Usage.require(
                spec,
                s.dim() % s.heads() == 0 && s.heads() % s.kvHeads() == 0,
                "dim must be a multiple of heads and heads a multiple of kv-heads");
        GgmlType t = Usage.check(spec, () -> GgmlType.parse(type));
        Usage.require(spec, t.format() != null, "cannot write tensors of type " + t);
        Usage.require(
                spec,
                s.dim() % t.blockSize() == 0,
                "dim " + s.dim() + " is not a multiple of the " + t + " block size " + t.blockSize());
        ChatFamily chat = chatTemplate == null ? null : Usage.check(spec, () -> ChatFamily.byId(chatTemplate));
        OutputFiles.check("--out", out, force, vocabFrom);
        long t0 = System.nanoTime();
        ModelSynthesizer.write(
                a,
                s,
                t,
                seed,
                out,
                force,
                ModelSynthesizer.Options.DEFAULT.withVocabFrom(vocabFrom).withChat(chat));
        spec.commandLine()
                .getErr()
                .printf(
                        "wrote %s: %s %s %s%s, %,d bytes, random weights (seed %d) in %.1f s%n",
                        out,
                        a.ggufName(),
                        s.name(),
                        t,
                        chat != null ? ", " + chat.id() + " chat template" : "",
                        Files.size(out),
                        seed,
                        (System.nanoTime() - t0) / 1e9);
        return 0;
    }
}
