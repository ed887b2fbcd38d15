package dev.specdec.cli;

import dev.specdec.kernels.cuda.Cuda;
import dev.specdec.target.CudaTransformer;
import dev.specdec.target.KvCache;
import dev.specdec.target.LanguageModel;
import dev.specdec.target.LoadOptions;
import dev.specdec.target.ModelLoader;
import dev.specdec.target.ModelWeights;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** How a model is loaded and run: threads, context, KV cache type, the llama2.c tokenizer, the tensor check. */
final class ModelOptions {
    @Option(names = "--threads", description = "Compute threads (default: all available cores).")
    Integer threads;

    @Option(names = "--ctx", description = "Context length in tokens (default: the model's, at most ${DEFAULT-VALUE}).", defaultValue = "4096")
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

    int threads() {
        int t = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        if (t < 1) throw new IllegalArgumentException("--threads must be >= 1, got " + t);
        return t;
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

    /** A session on the chosen device; an explicit cuda without a usable GPU is a one-line error. */
    LanguageModel session(ModelWeights w, String dev) {
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
