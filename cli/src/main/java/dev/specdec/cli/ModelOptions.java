package dev.specdec.cli;

import dev.specdec.target.KvCache;
import dev.specdec.target.ModelLoader;
import dev.specdec.target.ModelWeights;
import dev.specdec.target.Transformer;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** How a model is run: threads, context, KV cache type, and the llama2.c tokenizer. */
final class ModelOptions {
    @Option(names = "--threads", description = "Compute threads (default: all available cores).")
    Integer threads;

    @Option(names = "--ctx", description = "Context length in tokens (default: the model's, at most ${DEFAULT-VALUE}).", defaultValue = "4096")
    int ctx;

    @Option(names = "--kv-type", description = "KV cache element type: f32 or f16 (default: ${DEFAULT-VALUE}).", defaultValue = "f32")
    String kvType;

    @Option(names = "--tokenizer", description = "llama2.c tokenizer.bin, for .bin checkpoints when text is involved.")
    Path tokenizer;

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
        return ModelLoader.load(file, tokenizer);
    }

    Transformer session(ModelWeights w) {
        if (ctx < 1) throw new IllegalArgumentException("--ctx must be >= 1, got " + ctx);
        return w.newSession(Math.min(ctx, w.config().contextLength()), threads(), kv());
    }
}
