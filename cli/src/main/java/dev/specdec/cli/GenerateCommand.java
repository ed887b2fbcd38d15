package dev.specdec.cli;

import dev.specdec.engine.Chat;
import dev.specdec.engine.Engine;
import dev.specdec.engine.Request;
import dev.specdec.engine.Result;
import dev.specdec.engine.Session;
import dev.specdec.engine.TokenStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Generates text; with --draft, speculatively. */
@Command(
        name = "generate",
        mixinStandardHelpOptions = true,
        description = "Generate text from a prompt, streaming it as it is produced. With --draft, speculative decoding "
                + "(same output distribution as the target alone); the statistics follow the text on stderr.")
final class GenerateCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(
            names = {"-m", "--model"},
            required = true,
            description = "Target model (GGUF or llama2.c .bin).")
    Path model;

    static final class PromptGroup {
        @Option(
                names = {"-p", "--prompt"},
                description = "Prompt text.")
        String text;

        @Option(names = "--prompt-tokens", description = "Prompt as token ids, e.g. 1,2,3.")
        String tokens;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    PromptGroup prompt;

    @Option(
            names = {"-n", "--max-tokens"},
            defaultValue = "128",
            description = "Tokens to generate at most (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--stop", description = "Stop when this text appears (repeatable).")
    List<String> stops;

    @Option(names = "--ignore-eos", description = "Keep generating past end-of-generation tokens.")
    boolean ignoreEos;

    @Option(names = "--no-bos", description = "Do not add BOS to a text prompt.")
    boolean noBos;

    @Option(
            names = "--chat",
            description = "Treat --prompt as one user message and render it with the model's chat template.")
    boolean chat;

    @Option(names = "--system", description = "System message (with --chat).")
    String system;

    @Option(
            names = "--print-token-ids",
            description = "Print the generated token ids (one line, space separated) instead of text.")
    boolean printIds;

    @Option(names = "--stats-json", description = "Write the decoding statistics as JSON to this file.")
    Path statsJson;

    @Option(names = "--quiet-stats", description = "Do not print the statistics.")
    boolean quietStats;

    @Mixin
    ModelOptions mo;

    @Mixin
    SamplingOptions so;

    @Mixin
    DraftOptions dro;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        var params = so.params();
        mo.check();
        dro.check();
        Usage.require(spec, maxTokens >= 0, "-n must be >= 0, got " + maxTokens);
        Usage.require(spec, stops == null || stops.stream().noneMatch(String::isEmpty), "--stop must not be empty");
        Usage.require(spec, !chat || prompt.text != null, "--chat needs --prompt TEXT");
        Usage.require(spec, system == null || chat, "--system needs --chat");
        int[] given =
                prompt.tokens != null ? Usage.check(spec, () -> Ids.parse(prompt.tokens, "--prompt-tokens")) : null;
        Usage.require(spec, given == null || given.length > 0, "--prompt-tokens is empty");
        OutputFiles.check("--stats-json", statsJson, true, model, dro.draftFile(), mo.tokenizer);
        try (Engine engine = dro.applyTo(mo.engine(model)).sampling(params).build();
                Session session = engine.newSession()) {
            Request.Builder rb;
            if (chat) {
                List<Chat.Message> messages = new ArrayList<>();
                if (system != null) messages.add(Chat.Message.system(system));
                messages.add(Chat.Message.user(prompt.text));
                rb = Request.chat(messages);
            } else {
                rb = given != null
                        ? Request.tokens(given)
                        : Request.text(prompt.text).addBos(!noBos);
            }
            if (ignoreEos) rb.ignoreEndOfGeneration();
            Request req = rb.maxTokens(maxTokens)
                    .stop(stops == null ? List.of() : stops)
                    .build();
            Result r;
            try {
                r = session.generate(req, new TokenStream() {
                    @Override
                    public void onToken(int id, String text) {
                        print(text);
                    }

                    @Override
                    public void onText(String text) {
                        print(text);
                    }

                    private void print(String text) {
                        if (!printIds) {
                            out.print(text);
                            OutputClosed.check(out); // flushes; `| head` quit: stop generating
                        }
                    }
                });
            } catch (Chat.SystemMessageUnsupportedException e) {
                throw ChatCommand.withoutSystemFlag();
            }
            if (printIds) out.println(Ids.join(r.tokens()));
            else out.println();
            OutputClosed.check(out);
            if (!quietStats) {
                err.println();
                err.println("[" + dro.describe(engine) + "; seed " + params.seed() + "; stop: "
                        + r.finishReason().name().toLowerCase() + "]");
                err.println(r.stats());
            }
            if (statsJson != null) {
                var node = StatsJson.of(r.stats());
                node.put("seed", params.seed());
                node.put("stop_reason", r.finishReason().name().toLowerCase());
                StatsJson.write(statsJson, node);
            }
        }
        return 0;
    }
}
