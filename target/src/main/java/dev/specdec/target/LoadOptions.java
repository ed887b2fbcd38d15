package dev.specdec.target;

import java.nio.file.Path;

/**
 * How {@link ModelLoader} loads a model.
 *
 * @param tokenizer    llama2.c tokenizer.bin for .bin checkpoints (null: none; ignored for GGUF)
 * @param checkTensors decode every value of every tensor at load and fail on the first NaN or Inf,
 *                     naming the tensor and element (llama.cpp's --check-tensors): reads the
 *                     whole file once, so loading takes longer
 * @param threads      threads for that scan (0: one per available processor)
 */
public record LoadOptions(Path tokenizer, boolean checkTensors, int threads) {
    public static final LoadOptions DEFAULT = new LoadOptions(null, false, 0);

    public LoadOptions {
        if (threads < 0) throw new IllegalArgumentException("threads must be >= 0, got " + threads);
    }

    public LoadOptions withTokenizer(Path file) {
        return new LoadOptions(file, checkTensors, threads);
    }

    public LoadOptions withCheckTensors(boolean check) {
        return new LoadOptions(tokenizer, check, threads);
    }
}
