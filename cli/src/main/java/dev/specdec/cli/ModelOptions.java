package dev.specdec.cli;

import dev.specdec.kernels.cuda.Cuda;
import dev.specdec.target.CudaTransformer;
import dev.specdec.target.KvCache;
import dev.specdec.target.LanguageModel;
import dev.specdec.target.LoadOptions;
import dev.specdec.target.ModelLoader;
import dev.specdec.target.ModelWeights;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** How a model is loaded and run: threads, context, KV cache type, the llama2.c tokenizer, the tensor check. */
final class ModelOptions {
    static final List<String> DEVICES = List.of("cpu", "cuda", "auto");

    @Spec(Spec.Target.MIXEE) CommandSpec spec;

    @Option(names = "--threads", description = "Compute threads, at most one per core (default: all available cores).")
    Integer threads;

    @Option(names = "--ctx", description = "Context length in tokens, at most the model's (default: the model's, at most ${DEFAULT-VALUE}).", defaultValue = "4096")
    int ctx;

    @Option(names = "--kv-type", description = "KV cache element type: f32 or f16 (default: ${DEFAULT-VALUE}).", defaultValue = "f32")
    String kvType;

    @Option(names = "--tokenizer", description = "llama2.c tokenizer.bin, for .bin checkpoints when text is involved.")
    Path tokenizer;

    @Option(names = {"--device", "--target-device"}, defaultValue = "cpu",
            description = "cpu, cuda or auto (cuda when a usable GPU is present) (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--check-tensors", description = "Check every weight of every model loaded (target and draft) for NaN and Inf "
            + "before running, naming the tensor and element of the first (reads each file once: a slower start).")
    boolean checkTensors;

    private int resolvedThreads;   // 0 until first asked: the cap warns once

    /** Values no model can run with are bad usage, found before anything loads. */
    void check() {
        Usage.require(spec, threads == null || threads >= 1, "--threads must be >= 1, got " + threads);
        Usage.require(spec, ctx >= 1, "--ctx must be >= 1, got " + ctx);
        Usage.check(spec, this::kv);
        checkDevice(spec, "--device", device);
    }

    static void checkDevice(CommandSpec spec, String flag, String value) {
        Usage.require(spec, value == null || DEVICES.contains(value.toLowerCase()), flag + " must be cpu, cuda or auto, not '" + value + "'");
    }

    /** The compute threads: at most one per core (more only contend: 1000 threads on 2 cores made 8 tokens take 52 s). */
    int threads() {
        if (resolvedThreads == 0) {
            int cores = Runtime.getRuntime().availableProcessors();
            int t = threads != null ? threads : cores;
            if (t < 1) throw new IllegalArgumentException("--threads must be >= 1, got " + t);
            if (t > cores) {
                warn("--threads " + t + " is more than the " + cores + " cores available; using " + cores);
                t = cores;
            }
            resolvedThreads = t;
        }
        return resolvedThreads;
    }

    private void warn(String message) {
        var err = spec.commandLine().getErr();
        err.println("specdec: warning: " + message);
        err.flush();
    }

    KvCache.Type kv() {
        return switch (kvType.toLowerCase()) {
            case "f32" -> KvCache.Type.F32;
            case "f16" -> KvCache.Type.F16;
            default -> throw new IllegalArgumentException("--kv-type must be f32 or f16, not '" + kvType + "'");
        };
    }

    ModelWeights load(Path file) {
        return ModelLoader.load(file, new LoadOptions(tokenizer, checkTensors, threads()));
    }

    LanguageModel session(ModelWeights w) {
        return session(w, device);
    }

    /**
     * A session on the chosen device; an explicit cuda without a usable GPU is a one-line error. A
     * --ctx beyond what the model was trained for is cut to that, with a warning (the default never warns).
     */
    LanguageModel session(ModelWeights w, String dev) {
        int trained = w.config().contextLength();
        if (ctx > trained && spec.commandLine().getParseResult().hasMatchedOption("--ctx")) {
            warn("--ctx " + ctx + " is above the " + trained + " tokens " + w.source().getFileName() + " was trained for; using " + trained);
        }
        return session(w, dev, ctx);
    }

    /** A session of (at most the model's) {@code contextLength} tokens on device {@code dev}. */
    LanguageModel session(ModelWeights w, String dev, int contextLength) {
        if (contextLength < 1) throw new IllegalArgumentException("--ctx must be >= 1, got " + contextLength);
        int n = Math.min(contextLength, w.config().contextLength());
        return switch (dev.toLowerCase()) {
            case "cpu" -> w.newSession(n, threads(), kv());
            case "cuda" -> {
                var st = Cuda.probe();
                if (!st.available()) throw new IllegalArgumentException("--device cuda: " + st.reason());
                yield new CudaTransformer(w, n);
            }
            case "auto" -> Cuda.probe().available() ? new CudaTransformer(w, n) : w.newSession(n, threads(), kv());
            default -> throw new IllegalArgumentException("--device must be cpu, cuda or auto, not '" + dev + "'");
        };
    }
}
