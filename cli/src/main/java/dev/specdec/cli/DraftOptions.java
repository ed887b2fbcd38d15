package dev.specdec.cli;

import dev.specdec.draft.CostModel;
import dev.specdec.draft.DraftLengthPolicy;
import dev.specdec.engine.Engine;
import dev.specdec.engine.Speculation;
import dev.specdec.verifier.VerifyMode;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Which draft, how many tokens, which policy. Without --draft: plain decoding. */
final class DraftOptions {
    @Option(
            names = "--draft",
            description =
                    "Draft model file (GGUF or llama2.c .bin), or 'ngram' for prompt lookup. Omit for plain decoding.")
    String draft;

    @Option(
            names = "-k",
            description =
                    "Draft tokens per step (1..64; the maximum for adaptive policies; default: ${DEFAULT-VALUE}).")
    int k = Speculation.DEFAULT_K; // an initial value, not defaultValue: picocli would apply that after the hidden --k

    @Option(names = "--k", hidden = true, description = "Old spelling of -k.")
    void oldK(int v) {
        k = v;
    }

    @Option(
            names = "--policy",
            description =
                    "Draft length policy: fixed, heuristic, confidence, adaptive, adaptive-deterministic (default: ${DEFAULT-VALUE}).",
            defaultValue = "fixed")
    String policy;

    @Option(
            names = "--verify",
            description =
                    "How sampled drafts are verified: rejection, gumbel (same text with or without a draft for a seed) or block (default: ${DEFAULT-VALUE}).",
            defaultValue = "rejection")
    String verify;

    @Option(
            names = "--draft-mode",
            description =
                    "sampled (draw from the draft's q) or top (propose its top token) (default: ${DEFAULT-VALUE}).",
            defaultValue = "sampled")
    String mode;

    @Option(
            names = "--ngram-min",
            defaultValue = "1",
            description = "Shortest n-gram prompt lookup matches (default: ${DEFAULT-VALUE}).")
    int ngramMin;

    @Option(
            names = "--ngram-max",
            defaultValue = "3",
            description = "Longest n-gram prompt lookup matches (default: ${DEFAULT-VALUE}).")
    int ngramMax;

    @Option(
            names = "--draft-device",
            description = "Device of the draft model: cpu, cuda or auto (default: the target's --device).")
    String draftDevice;

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    boolean enabled() {
        return draft != null;
    }

    /** The draft model file, or null (none, or n-gram lookup). */
    Path draftFile() {
        return draft == null || draft.equals("ngram") ? null : Path.of(draft);
    }

    /** Values no draft can use are bad usage, found before anything loads. */
    void check() {
        Usage.check(spec, () -> VerifyMode.named(verify));
        if (!enabled()) return;
        checkKAndPolicy(spec, k, policy);
        Usage.require(
                spec,
                mode.equals("sampled") || mode.equals("top"),
                "--draft-mode must be sampled or top, not '" + mode + "'");
        Usage.require(
                spec,
                ngramMin >= 1 && ngramMin <= ngramMax,
                "--ngram-min must be >= 1 and <= --ngram-max, got " + ngramMin + " and " + ngramMax);
        ModelOptions.checkDevice(spec, "--draft-device", draftDevice);
    }

    /** -k and --policy, for every command that takes them. */
    static void checkKAndPolicy(CommandSpec spec, int k, String policy) {
        Usage.check(spec, () -> DraftLengthPolicy.checkK(k));
        Usage.check(spec, () -> DraftLengthPolicy.named(policy, k, CostModel.assumed()));
    }

    /** The speculation these flags ask for (off without --draft; --verify applies to plain decoding too: gumbel samples by the same rule). */
    Speculation speculation() {
        VerifyMode v = VerifyMode.named(verify);
        return enabled()
                ? new Speculation(Speculation.Draft.DEFAULT, k, policy, mode.equals("top"), v)
                : Speculation.OFF.withVerify(v);
    }

    /** Adds the draft and the speculation to an engine builder. */
    Engine.Builder applyTo(Engine.Builder b) {
        if (draftFile() != null) b.draft(draftFile());
        else if (enabled()) b.ngram();
        b.ngramRange(ngramMin, ngramMax).draftDevice(draftDevice).speculation(speculation());
        return b;
    }

    /** How the run speculates, for the stats line. */
    String describe(Engine e) {
        if (!enabled()) return "plain decoding";
        String name = draftFile() != null ? draftFile().getFileName().toString() : "ngram";
        return "speculative, draft " + name + ", " + policy + " k=" + k;
    }
}
