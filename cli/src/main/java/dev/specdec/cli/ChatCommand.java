package dev.specdec.cli;

import dev.specdec.draft.Drafter;
import dev.specdec.target.LanguageModel;
import dev.specdec.target.ModelWeights;
import dev.specdec.target.Tokenizer;
import dev.specdec.verifier.GenerationRequest;
import dev.specdec.verifier.GenerationResult;
import dev.specdec.verifier.SpeculativeDecoder;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Interactive chat with the model's chat template, optionally speculative. */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = "Chat interactively (one user message per line; /exit or end of input quits), using the model's chat "
                + "template and stopping at its end-of-turn token. With --draft, every reply is decoded speculatively.")
final class ChatCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Option(names = {"-m", "--model"}, required = true, description = "Target model (GGUF with a chat template).") Path model;
    @Option(names = "--system", description = "System message.") String system;
    @Option(names = {"-n", "--max-tokens"}, defaultValue = "512", description = "Tokens per reply at most (default: ${DEFAULT-VALUE}).") int maxTokens;
    @Option(names = "--show-stats", description = "Print decoding statistics after each reply (stderr).") boolean showStats;
    @Option(names = "--verbose-prompt", description = "Print each turn's prompt as the template rendered it, and its token ids (stderr).")
    boolean verbosePrompt;
    @Mixin ModelOptions mo;
    @Mixin SamplingOptions so;
    @Mixin DraftOptions dro;

    @Override public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        var params = so.params();
        mo.check();
        dro.check();
        Usage.require(spec, maxTokens >= 0, "-n must be >= 0, got " + maxTokens);
        try (Loaded m = Loaded.open(model, mo, dro)) {
            ModelWeights w = m.weights();
            LanguageModel t = m.target();
            Drafter d = m.drafter();
            so.checkVocabulary(w);
            Tokenizer tok = w.tokenizer();
            if (tok == null) throw new IllegalArgumentException(model + " has no vocabulary");
            List<Map<String, Object>> messages = new ArrayList<>();
            if (system != null) messages.add(Map.of("role", "system", "content", system));
            // a template that cannot render this conversation fails now, not after the first message is typed
            List<Map<String, Object>> probe = new ArrayList<>(messages);
            probe.add(Map.of("role", "user", "content", "hello"));
            Chat.promptIds(tok, probe);
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            SpeculativeDecoder dec = new SpeculativeDecoder(t, d, dro.enabled() ? dro.policy(model, mo) : null, dro.verifyMode());
            int turn = 0;
            while (true) {
                out.print("> ");
                OutputClosed.check(out);
                String line = in.readLine();
                if (line == null || line.strip().equals("/exit")) break;
                if (line.isBlank()) continue;
                messages.add(Map.of("role", "user", "content", line));
                int[] ids = Chat.promptIds(tok, messages);
                if (verbosePrompt) {
                    err.println("prompt text:");
                    err.println(Chat.rendered(tok, messages));
                    err.println("prompt ids: " + Ids.join(ids));
                    err.flush();
                }
                GenerationResult r = dec.generate(new GenerationRequest(ids, maxTokens, params.withSeed(params.seed() + turn++), List.of(), true),
                        (id, text) -> {
                            out.print(text);
                            OutputClosed.check(out);
                        });
                out.println();
                messages.add(Map.of("role", "assistant", "content", r.text()));
                if (showStats) err.println(r.stats());
            }
        }
        out.flush();
        return 0;
    }
}
