package dev.specdec.cli;

import dev.specdec.engine.Chat;
import dev.specdec.engine.Engine;
import dev.specdec.engine.Request;
import dev.specdec.engine.Result;
import dev.specdec.engine.Session;
import dev.specdec.engine.TokenStream;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Interactive chat with the model's chat template, optionally speculative. */
@Command(
        name = "chat",
        mixinStandardHelpOptions = true,
        description =
                "Chat interactively (one user message per line; /exit or end of input quits), using the model's chat "
                        + "template and stopping at its end-of-turn token. With --draft, every reply is decoded speculatively.")
final class ChatCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(
            names = {"-m", "--model"},
            required = true,
            description = "Target model (GGUF with a chat template).")
    Path model;

    @Option(names = "--system", description = "System message.")
    String system;

    @Option(
            names = {"-n", "--max-tokens"},
            defaultValue = "512",
            description = "Tokens per reply at most (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--show-stats", description = "Print decoding statistics after each reply (stderr).")
    boolean showStats;

    @Option(
            names = "--verbose-prompt",
            description = "Print each turn's prompt as the template rendered it, and its token ids (stderr).")
    boolean verbosePrompt;

    @Mixin
    ModelOptions mo;

    @Mixin
    SamplingOptions so;

    @Mixin
    DraftOptions dro;

    /** The engine's "no system message" in the words of the flag that gave it. */
    static IllegalArgumentException withoutSystemFlag() {
        return new IllegalArgumentException(
                "this model's chat template does not support a system message (leave out --system)");
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        var params = so.params();
        mo.check();
        dro.check();
        Usage.require(spec, maxTokens >= 0, "-n must be >= 0, got " + maxTokens);
        try (Engine engine = dro.applyTo(mo.engine(model)).sampling(params).build();
                Session session = engine.newSession()) {
            List<Chat.Message> messages = new ArrayList<>();
            if (system != null) messages.add(Chat.Message.system(system));
            // a template that cannot render this conversation fails now, not after the first message is typed
            List<Chat.Message> probe = new ArrayList<>(messages);
            probe.add(Chat.Message.user("hello"));
            if (engine.tokenizer() == null) throw new IllegalArgumentException(model + " has no vocabulary");
            try {
                Chat.promptIds(engine.tokenizer(), probe);
            } catch (Chat.SystemMessageUnsupportedException e) {
                throw ChatCommand.withoutSystemFlag();
            }
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            int turn = 0;
            while (true) {
                out.print("> ");
                OutputClosed.check(out);
                String line = in.readLine();
                if (line == null || line.strip().equals("/exit")) break;
                if (line.isBlank()) continue;
                messages.add(Chat.Message.user(line));
                if (verbosePrompt) {
                    err.println("prompt text:");
                    err.println(Chat.rendered(engine.tokenizer(), messages));
                    err.println("prompt ids: " + Ids.join(Chat.promptIds(engine.tokenizer(), messages)));
                    err.flush();
                }
                // each turn a seed of its own, from the one given: the whole chat replays from --seed
                Request req = Request.chat(messages)
                        .maxTokens(maxTokens)
                        .sampling(params.withSeed(params.seed() + turn++))
                        .build();
                Result r = session.generate(req, new TokenStream() {
                    @Override
                    public void onToken(int id, String text) {
                        print(text);
                    }

                    @Override
                    public void onText(String text) {
                        print(text);
                    }

                    private void print(String text) {
                        out.print(text);
                        OutputClosed.check(out);
                    }
                });
                out.println();
                messages.add(Chat.Message.assistant(r.text()));
                if (showStats) err.println(r.stats());
            }
        }
        out.flush();
        return 0;
    }
}
