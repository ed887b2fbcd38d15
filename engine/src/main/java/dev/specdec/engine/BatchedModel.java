package dev.specdec.engine;

import dev.specdec.target.Transformer;

/**
 * A session's CPU model on the engine's shared pool: its forward passes go through the engine's
 * {@link PassCombiner}, which runs them together with other sessions' passes. Everything else
 * (the KV cache, the tokens behind it) is the session's own.
 */
final class BatchedModel extends ForwardingModel {
    private final PassCombiner combiner;
    private final PassCombiner.Pending pending;

    BatchedModel(Transformer model, PassCombiner combiner) {
        super(model);
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
}
