package dev.specdec.verifier;

import dev.specdec.target.LanguageModel;
import dev.specdec.target.ModelConfig;
import dev.specdec.target.Tokenizer;
import java.util.ArrayList;
import java.util.List;

/** A language model that records how many tokens each forward pass ran: to see what a decoder recomputes. */
final class CountingModel implements LanguageModel {
    private final LanguageModel inner;
    final List<Integer> forwardCounts = new ArrayList<>();

    CountingModel(LanguageModel inner) {
        this.inner = inner;
    }

    @Override
    public ModelConfig config() {
        return inner.config();
    }

    @Override
    public int vocabularySize() {
        return inner.vocabularySize();
    }

    @Override
    public Tokenizer tokenizer() {
        return inner.tokenizer();
    }

    @Override
    public int contextLength() {
        return inner.contextLength();
    }

    @Override
    public int cachedLength() {
        return inner.cachedLength();
    }

    @Override
    public void truncate(int length) {
        inner.truncate(length);
    }

    @Override
    public int commonPrefix(int[] tokens, int length) {
        return inner.commonPrefix(tokens, length);
    }

    @Override
    public void close() {
        inner.close();
    }

    @Override
    public void forward(int[] tokens, int count, int position, float[][] logitsOut) {
        forwardCounts.add(count);
        inner.forward(tokens, count, position, logitsOut);
    }
}
