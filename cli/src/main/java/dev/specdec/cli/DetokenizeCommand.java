package dev.specdec.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Token ids to text. */
@Command(name = "detokenize", mixinStandardHelpOptions = true, description = "Print the text of token ids.")
final class DetokenizeCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(
            names = {"-m", "--model"},
            required = true,
            description = "Model or vocabulary-only GGUF file.")
    Path model;

    @Option(names = "--ids", required = true, description = "Token ids, e.g. 1,2,3.")
    String ids;

    @Option(names = "--tokenizer", description = "llama2.c tokenizer.bin for .bin checkpoints.")
    Path tokenizerBin;

    @Override
    public Integer call() throws Exception {
        int[] t = Usage.check(spec, () -> Ids.parse(ids, "--ids"));
        try (var v = TokenizeCommand.Vocab.open(model, tokenizerBin)) {
            for (int id : t) {
                if (id < 0 || id >= v.tokenizer().vocabularySize()) {
                    throw new IllegalArgumentException("token id " + id + " out of range [0, "
                            + v.tokenizer().vocabularySize() + ")");
                }
            }
            spec.commandLine().getOut().println(v.tokenizer().decode(t));
        }
        spec.commandLine().getOut().flush();
        return 0;
    }
}
