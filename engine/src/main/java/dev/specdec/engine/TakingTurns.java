package dev.specdec.engine;

import dev.specdec.target.LanguageModel;
import dev.specdec.target.ModelConfig;
import dev.specdec.target.Tokenizer;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A session's model that takes turns instead of being batched (GPU sessions; CPU sessions when
 * the engine is built without batching): each forward pass holds the engine's turn lock, so passes
 * of different sessions run one after another (interleaved step by step, fairly). Everything else
 * (the KV cache, the buffers) is the session's own, so a session's output does not depend on the
 * others.
 */
final class TakingTurns implements LanguageModel {
    private final LanguageModel model;
    private final ReentrantLock turns;

    TakingTurns(LanguageModel model, ReentrantLock turns) {
        this.model = model;
        this.turns = turns;
    }

    @Override
    public void forward(int[] tokens, int count, int position, float[][] logitsOut) {
        turns.lock();
        try {
            model.forward(tokens, count, position, logitsOut);
        } finally {
            turns.unlock();
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
