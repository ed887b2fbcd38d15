package dev.specdec.engine;

import dev.specdec.target.LanguageModel;
import dev.specdec.target.ModelConfig;
import dev.specdec.target.Tokenizer;
import dev.specdec.target.Transformer;

/**
 * A session's CPU model on the engine's shared pool: its forward passes go through the engine's
 * {@link PassCombiner}, which runs them together with other sessions' passes. Everything else
 * (the KV cache, the tokens behind it) is the session's own.
 */
final class BatchedModel implements LanguageModel {
    private final Transformer model;
    private final PassCombiner combiner;
    private final PassCombiner.Pending pending;

    BatchedModel(Transformer model, PassCombiner combiner) {
        this.model = model;
        this.combiner = combiner;
        this.pending = new PassCombiner.Pending(model);
    }

    @Override
    public void forward(int[] tokens, int count, int position, float[][] logitsOut) {
        pending.tokens = tokens;
        pending.count = count;
        pending.position = position;
        pending.logits = logitsOut;
        try {
            combiner.forward(pending);
        } finally {
            pending.tokens = null;
            pending.logits = null;
        }
    }

    @Override
    public ModelConfig config() {
        return model.config();
    }

    @Override
    public int vocabularySize() {
        return model.vocabularySize();
    }

    @Override
    public Tokenizer tokenizer() {
        return model.tokenizer();
    }

    @Override
    public int contextLength() {
        return model.contextLength();
    }

    @Override
    public int cachedLength() {
        return model.cachedLength();
    }

    @Override
    public void truncate(int length) {
        model.truncate(length);
    }

    @Override
    public int commonPrefix(int[] tokens, int length) {
        return model.commonPrefix(tokens, length);
    }

    @Override
    public void close() {
        model.close();
    }
}
