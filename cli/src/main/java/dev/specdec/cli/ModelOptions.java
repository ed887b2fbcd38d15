package dev.specdec.cli;

import dev.specdec.engine.Engine;
import dev.specdec.target.KvCache;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** How a model is loaded and run: threads, context, KV cache type, device, the llama2.c tokenizer, the tensor check. */
final class ModelOptions {
    static final List<String> DEVICES = List.of("cpu", "cuda", "auto");

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--threads", description = "Compute threads, at most one per core (default: all available cores).")
    Integer threads;

    @Option(
            names = "--ctx",
            description =
                    "Context length in tokens, at most the model's (default: the model's, at most ${DEFAULT-VALUE}).",
            defaultValue = "" + Engine.DEFAULT_CONTEXT)
    int ctx;

    @Option(
            names = "--kv-type",
            description = "KV cache element type: f32 or f16 (default: ${DEFAULT-VALUE}).",
            defaultValue = "f32")
    String kvType;

    @Option(names = "--tokenizer", description = "llama2.c tokenizer.bin, for .bin checkpoints when text is involved.")
    Path tokenizer;

    @Option(
            names = {"--device", "--target-device"},
            defaultValue = "cpu",
            description = "cpu, cuda or auto (cuda when a usable GPU is present) (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(
            names = "--check-tensors",
            description =
                    "Check every weight of every model loaded (target and draft) for NaN and Inf "
                            + "before running, naming the tensor and element of the first (reads each file once: a slower start).")
    boolean checkTensors;

    @Option(
            names = "--no-batching",
            description = "Concurrent sessions take turns pass by pass instead of sharing multi-sequence passes "
                    + "(the output is the same; for measuring what batching gives).")
    boolean noBatching;

    /** Values no model can run with are bad usage, found before anything loads. */
    void check() {
        Usage.require(spec, threads == null || threads >= 1, "--threads must be >= 1, got " + threads);
        Usage.require(spec, ctx >= 1, "--ctx must be >= 1, got " + ctx);
        Usage.check(spec, this::kv);
        checkDevice(spec, "--device", device);
    }

    static void checkDevice(CommandSpec spec, String flag, String value) {
        Usage.require(
                spec,
                value == null || DEVICES.contains(value.toLowerCase()),
                flag + " must be cpu, cuda or auto, not '" + value + "'");
    }

    KvCache.Type kv() {
        return switch (kvType.toLowerCase()) {
            case "f32" -> KvCache.Type.F32;
            case "f16" -> KvCache.Type.F16;
            default -> throw new IllegalArgumentException("--kv-type must be f32 or f16, not '" + kvType + "'");
        };
    }

    /**
     * An engine builder for {@code model} with these options: the engine loads, clamps and warns
     * (a --ctx beyond what the model was trained for, more --threads than cores), in the flags' words.
     */
    Engine.Builder engine(Path model) {
        Engine.Builder b = Engine.builder(model)
                .kvType(kv())
                .tokenizer(tokenizer)
                .checkTensors(checkTensors)
                .device(device)
                .warnings(this::warn)
                .batching(!noBatching);
        if (threads != null) b.threads(threads);
        // the default --ctx is the engine's cap, not a request: only an explicit one warns when the model is shorter
        if (spec.commandLine().getParseResult().hasMatchedOption("--ctx")) b.contextLength(ctx);
        return b;
    }

    private void warn(String message) {
        var err = spec.commandLine().getErr();
        // the engine names its settings; the user gave them as flags
        String m = message.startsWith("context ")
                ? "--ctx " + message.substring(8)
                : message.startsWith("threads ") ? "--threads " + message.substring(8) : message;
        err.println("specdec: warning: " + m);
        err.flush();
    }
}
