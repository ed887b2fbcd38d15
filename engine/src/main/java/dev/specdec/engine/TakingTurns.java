package dev.specdec.engine;

import dev.specdec.target.LanguageModel;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A session's model that takes turns instead of being batched (GPU sessions; CPU sessions when
 * the engine is built without batching): each forward pass holds the engine's turn lock, so passes
 * of different sessions run one after another (interleaved step by step, fairly). Everything else
 * (the KV cache, the buffers) is the session's own, so a session's output does not depend on the
 * others.
 */
final class TakingTurns extends ForwardingModel {
    private final ReentrantLock turns;

    TakingTurns(LanguageModel model, ReentrantLock turns) {
        super(model);
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
}
