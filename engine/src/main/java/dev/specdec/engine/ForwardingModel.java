package dev.specdec.engine;

import dev.specdec.target.LanguageModel;
import dev.specdec.target.ModelConfig;
import dev.specdec.target.Tokenizer;

/** A session's model whose forward pass goes through the engine (batched, or taking turns); the rest is the model's own. */
abstract class ForwardingModel implements LanguageModel {
    protected final LanguageModel model;

    ForwardingModel(LanguageModel model) {
        this.model = model;
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
