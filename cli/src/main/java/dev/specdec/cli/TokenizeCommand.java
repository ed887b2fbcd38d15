package dev.specdec.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.specdec.target.ModelWeights;
import dev.specdec.target.Tokenizer;
import java.io.BufferedReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Text to token ids. */
@Command(
        name = "tokenize",
        mixinStandardHelpOptions = true,
        description =
                "Print the token ids of a text (one line), or of every {\"text\": ...} line of a JSONL file as {\"ids\": [...]} lines.")
final class TokenizeCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(
            names = {"-m", "--model"},
            required = true,
            description = "Model or vocabulary-only GGUF file.")
    Path model;

    static final class Input {
        @Option(names = "--text", description = "Text to tokenize.")
        String text;

        @Option(
                names = "--input",
                description =
                        "JSONL file, one {\"text\": ...} per line; a bad line gets {\"error\": ...} in its place.")
        Path input;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input in;

    @Option(names = "--no-bos", description = "Never add BOS (by default it is added when the vocabulary says so).")
    boolean noBos;

    @Option(names = "--parse-special", description = "Text equal to a control token becomes that token.")
    boolean parseSpecial;

    @Option(names = "--tokenizer", description = "llama2.c tokenizer.bin for .bin checkpoints.")
    Path tokenizerBin;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (Vocab v = Vocab.open(model, tokenizerBin)) {
            Tokenizer tok = v.tokenizer();
            if (in.text != null) {
                out.println(Ids.join(tok.encode(in.text, !noBos, parseSpecial)));
            } else {
                ObjectMapper json = new ObjectMapper();
                try (BufferedReader r = Files.newBufferedReader(in.input, StandardCharsets.UTF_8)) {
                    String line;
                    int n = 0;
                    while ((line = r.readLine()) != null) {
                        n++;
                        if (line.isBlank()) continue;
                        // a bad line is reported in its place, as render-template does, and the rest go on
                        var o = json.createObjectNode();
                        try {
                            JsonNode node = json.readTree(line);
                            if (node == null
                                    || !node.has("text")
                                    || !node.get("text").isTextual()) {
                                o.put("error", "line " + n + ": expected {\"text\": \"...\"}");
                            } else {
                                var arr = o.putArray("ids");
                                for (int id : tok.encode(node.get("text").asText(), !noBos, parseSpecial)) arr.add(id);
                            }
                        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                            o.put("error", "line " + n + ": not JSON: " + e.getOriginalMessage());
                        }
                        out.println(json.writeValueAsString(o));
                    }
                }
            }
        }
        out.flush();
        return 0;
    }

    /** A vocabulary from a full model, a vocabulary-only GGUF, or a llama2.c tokenizer. */
    record Vocab(Tokenizer tokenizer, AutoCloseable owner) implements AutoCloseable {
        static Vocab open(Path file, Path tokenizerBin) {
            if (tokenizerBin != null) {
                return new Vocab(
                        dev.specdec.target.Llama2cCheckpoint.readTokenizer(
                                tokenizerBin, vocabSizeOf(file, tokenizerBin)),
                        null);
            }
            if (!dev.specdec.target.GgufFile.isGguf(file)) {
                throw new IllegalArgumentException(
                        file + " is not a GGUF file; for a llama2.c checkpoint give --tokenizer tokenizer.bin");
            }
            dev.specdec.target.GgufFile f = dev.specdec.target.GgufFile.open(file);
            if (!f.has("tokenizer.ggml.tokens")) {
                f.close();
                throw new IllegalArgumentException(file + " has no vocabulary (no tokenizer.ggml.tokens)");
            }
            return new Vocab(dev.specdec.target.GgufVocabulary.tokenizer(f), f);
        }

        private static int vocabSizeOf(Path model, Path tokenizerBin) {
            try (ModelWeights w = dev.specdec.target.ModelLoader.load(model)) {
                return w.config().vocabSize();
            }
        }

        @Override
        public void close() {
            try {
                if (owner != null) owner.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing the vocabulary", e);
            }
        }
    }
}
