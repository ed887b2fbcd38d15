package dev.specdec.cli;

import dev.specdec.kernels.Tensor;
import dev.specdec.target.GgufFile;
import dev.specdec.target.GgufValue;
import dev.specdec.target.LoadOptions;
import dev.specdec.target.ModelConfig;
import dev.specdec.target.ModelLoader;
import dev.specdec.target.ModelWeights;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** What is in a model file. */
@Command(
        name = "inspect",
        mixinStandardHelpOptions = true,
        description = "Show a model's architecture, hyper-parameters, vocabulary, metadata and tensor table.")
final class InspectCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", description = "Model file (GGUF or llama2.c .bin).")
    Path file;

    @Option(names = "--all-metadata", description = "Print every metadata key (arrays summarized).")
    boolean allMetadata;

    @Option(
            names = "--check-tensors",
            description = "Also check every weight for NaN and Inf, naming the tensor and element of the first.")
    boolean checkTensors;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        out.printf("file          %s (%,d bytes)%n", file, Files.size(file));
        try (ModelWeights w = ModelLoader.load(file, LoadOptions.DEFAULT.withCheckTensors(checkTensors))) {
            ModelConfig c = w.config();
            out.printf("architecture  %s%n", c.architecture().ggufName());
            out.printf(
                    "dim %d, layers %d, heads %d (kv %d), head dim %d, ffn %d, vocab %d, context %d%n",
                    c.dim(),
                    c.layers(),
                    c.heads(),
                    c.kvHeads(),
                    c.headDim(),
                    c.ffn(),
                    c.vocabSize(),
                    c.contextLength());
            out.printf(
                    "rms eps %g, rope base %g (%s, %d dims%s)%n",
                    c.rmsEps(),
                    c.ropeBase(),
                    c.ropeLayout().name().toLowerCase(),
                    c.ropeDims(),
                    w.ropeFreqFactors() != null ? ", frequency factors" : "");
            if (c.attnSoftCap() > 0)
                out.printf("soft-capping  attention %g, final %g%n", c.attnSoftCap(), c.finalSoftCap());
            if (c.slidingWindow() > 0)
                out.printf(
                        "sliding window %d (%s)%n",
                        c.slidingWindow(), c.windowOnEvenLayersOnly() ? "even layers" : "all layers");
            out.printf("output        %s%n", w.output() == w.tokenEmbedding() ? "tied to token_embd" : "separate");
            out.printf(
                    "weights       %,d bytes (%,d read per token)%s%n",
                    w.weightBytes(), w.bytesPerToken(), checkTensors ? ", every value finite" : "");
            if (w.tokenizer() != null) {
                var t = w.tokenizer();
                out.printf(
                        "vocabulary    %d tokens, BOS %d%s, EOS %d%n",
                        t.vocabularySize(), t.bos(), t.addsBos() ? " (added)" : "", t.eos());
            } else {
                out.println("vocabulary    none in the file (llama2.c: pass --tokenizer to commands that use text)");
            }
        }
        if (GgufFile.isGguf(file)) {
            try (GgufFile f = GgufFile.open(file)) {
                out.printf(
                        "gguf          version %d, alignment %d, %d metadata keys, %d tensors%n",
                        f.version(),
                        f.alignment(),
                        f.metadata().size(),
                        f.tensors().size());
                if (allMetadata) {
                    for (var e : f.metadata().entrySet())
                        out.printf("  %-44s %s%n", e.getKey(), summarize(e.getValue()));
                }
                out.printf("%n%-34s %-6s %-16s %14s%n", "tensor", "type", "shape", "bytes");
                for (Tensor t : f.tensors().values()) {
                    out.printf(
                            "%-34s %-6s %-16s %,14d%n",
                            t.name(),
                            t.type(),
                            Arrays.toString(t.shape()),
                            t.data().byteSize());
                }
            }
        }
        out.flush();
        return 0;
    }

    private static String summarize(GgufValue v) {
        String s = v.toString();
        return s.length() > 80 ? s.substring(0, 77) + "..." : s;
    }
}
