package dev.specdec.cli;

import dev.specdec.draft.CostModel;
import dev.specdec.draft.DraftLengthPolicy;
import dev.specdec.draft.Drafter;
import dev.specdec.draft.ModelDrafter;
import dev.specdec.draft.PromptLookupDrafter;
import dev.specdec.target.ModelWeights;
import dev.specdec.verifier.VerifyMode;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Which draft, how many tokens, which policy. Without --draft: plain decoding. */
final class DraftOptions {
    @Option(names = "--draft", description = "Draft model file (GGUF or llama2.c .bin), or 'ngram' for prompt lookup. Omit for plain decoding.")
    String draft;

    @Option(names = "-k", description = "Draft tokens per step (1..64; the maximum for adaptive policies; default: ${DEFAULT-VALUE}).", defaultValue = "4")
    int k;

    @Option(names = "--policy", description = "Draft length policy: fixed, heuristic, confidence, adaptive, adaptive-deterministic (default: ${DEFAULT-VALUE}).", defaultValue = "fixed")
    String policy;

    @Option(names = "--verify", description = "How sampled drafts are verified: rejection, gumbel (same text with or without a draft for a seed) or block (default: ${DEFAULT-VALUE}).",
            defaultValue = "rejection")
    String verify;

    @Option(names = "--draft-mode", description = "sampled (draw from the draft's q) or top (propose its top token) (default: ${DEFAULT-VALUE}).", defaultValue = "sampled")
    String mode;

    @Option(names = "--ngram-min", defaultValue = "1", description = "Shortest n-gram prompt lookup matches (default: ${DEFAULT-VALUE}).")
    int ngramMin;

    @Option(names = "--ngram-max", defaultValue = "3", description = "Longest n-gram prompt lookup matches (default: ${DEFAULT-VALUE}).")
    int ngramMax;

    @Option(names = "--draft-device", description = "Device of the draft model: cpu, cuda or auto (default: the target's --device).")
    String draftDevice;

    @Spec(Spec.Target.MIXEE) CommandSpec spec;

    boolean enabled() { return draft != null; }

    /** Values no draft can use are bad usage, found before anything loads. */
    void check() {
        Usage.check(spec, () -> VerifyMode.named(verify));
        if (!enabled()) return;
        checkKAndPolicy(spec, k, policy);
        Usage.require(spec, mode.equals("sampled") || mode.equals("top"), "--draft-mode must be sampled or top, not '" + mode + "'");
        Usage.require(spec, ngramMin >= 1 && ngramMin <= ngramMax, "--ngram-min must be >= 1 and <= --ngram-max, got " + ngramMin + " and " + ngramMax);
        ModelOptions.checkDevice(spec, "--draft-device", draftDevice);
    }

    /** -k and --policy, for every command that takes them. */
    static void checkKAndPolicy(CommandSpec spec, int k, String policy) {
        Usage.check(spec, () -> DraftLengthPolicy.checkK(k));
        Usage.check(spec, () -> DraftLengthPolicy.named(policy, k, CostModel.assumed()));
    }

    /** The verification mode; it applies to plain decoding too (gumbel samples by the same rule either way). */
    VerifyMode verifyMode() { return VerifyMode.named(verify); }

    /** The policy; the adaptive one uses the cost profiles `specdec bench` saved for these files. */
    DraftLengthPolicy policy(Path target, ModelOptions mo) {
        Path draftFile = draft == null || draft.equals("ngram") ? null : Path.of(draft);
        boolean adaptive = policy.startsWith("adaptive");
        CostModel costs = adaptive ? CostProfiles.load(target, draftFile, mo.threads()) : CostModel.assumed();
        if (draftFile == null && adaptive) costs = new CostModel(costs.pass(), 0.01);   // lookup is nearly free
        return DraftLengthPolicy.named(policy, k, costs);
    }

    /** The drafter for this target; the caller closes it (which closes a draft model's weights too). */
    Drafter create(ModelWeights target, ModelOptions mo) {
        DraftLengthPolicy.checkK(k);
        if (draft.equals("ngram")) return new PromptLookupDrafter(ngramMin, ngramMax, Math.max(k, 1));
        ModelDrafter.Mode m = switch (mode) {
            case "sampled" -> ModelDrafter.Mode.SAMPLED;
            case "top" -> ModelDrafter.Mode.TOP_TOKEN;
            default -> throw new IllegalArgumentException("--draft-mode must be sampled or top, not '" + mode + "'");
        };
        ModelWeights dw = mo.load(Path.of(draft));
        try {
            var session = mo.session(dw, draftDevice != null ? draftDevice : mo.device);
            ModelDrafter d = ModelDrafter.create(session, target.tokenizer(), target.config().vocabSize(), Path.of(draft).getFileName().toString(), m);
            return d.owning(dw);
        } catch (RuntimeException e) {
            dw.close();
            throw e;
        }
    }
}
