package dev.specdec.sampling;

import java.util.Map;

/**
 * How a request turns logits into a next-token distribution. The same parameters, and the same
 * {@link Distribution} code, give both the target's p and the draft's q, so speculation stays exact
 * for every one of them.
 *
 * <p>Order of application: logit bias, then repetition / frequency / presence penalties over the
 * last {@code penaltyWindow} tokens of the history (prompt, output and, during verification, the
 * draft tokens before the position), then top-k, then softmax at the temperature, then top-p
 * (smallest set with mass >= top_p), then min-p (drop tokens below min_p times the top
 * probability), then renormalization. Temperature 0 is greedy: all mass on the first argmax.
 *
 * @param topK   0 = off
 * @param topP   1 = off
 * @param minP   0 = off
 * @param repetitionPenalty 1 = off; positive logits are divided by it, negative ones multiplied
 * @param penaltyWindow how many recent tokens the penalties look at (0 = off, -1 = all)
 */
public record SamplingParams(
        float temperature,
        int topK,
        float topP,
        float minP,
        float repetitionPenalty,
        float frequencyPenalty,
        float presencePenalty,
        int penaltyWindow,
        Map<Integer, Float> logitBias,
        long seed) {

    public SamplingParams {
        if (!(temperature >= 0) || Float.isInfinite(temperature))
            throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        if (topK < 0) throw new IllegalArgumentException("top-k must be >= 0, got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        if (!(minP >= 0 && minP <= 1)) throw new IllegalArgumentException("min-p must be in [0, 1], got " + minP);
        if (!(repetitionPenalty > 0))
            throw new IllegalArgumentException("repetition penalty must be > 0, got " + repetitionPenalty);
        if (penaltyWindow < -1)
            throw new IllegalArgumentException("penalty window must be >= -1, got " + penaltyWindow);
        logitBias = logitBias == null ? Map.of() : Map.copyOf(logitBias);
    }

    // The defaults, stated once (the CLI's flags, the engine's requests and the builder use them):
    // llama.cpp's sampling defaults, which users of GGUF models know.
    public static final float DEFAULT_TEMPERATURE = 0.8f;
    public static final int DEFAULT_TOP_K = 40;
    public static final float DEFAULT_TOP_P = 0.95f;
    public static final float DEFAULT_MIN_P = 0.05f;
    /** How far back the penalties look by default. */
    public static final int DEFAULT_PENALTY_WINDOW = 64;

    /** Temperature 0: the argmax at every step, no truncation or penalties. */
    public static SamplingParams greedy() {
        return plain().temperature(0f).seed(0).build();
    }

    /** Pure sampling at temperature {@code t}: no truncation, no penalties. */
    public static SamplingParams temperature(float t, long seed) {
        return plain().temperature(t).seed(seed).build();
    }

    /** A builder at the defaults (temperature 0.8, top-k 40, top-p 0.95, min-p 0.05, no penalties, a random seed). */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder with everything off: temperature 1, no top-k, top-p or min-p, no penalties. */
    public static Builder plain() {
        return new Builder().temperature(1f).topK(0).topP(1f).minP(0f);
    }

    /** A builder starting from these parameters. */
    public Builder toBuilder() {
        return new Builder()
                .temperature(temperature)
                .topK(topK)
                .topP(topP)
                .minP(minP)
                .repetitionPenalty(repetitionPenalty)
                .frequencyPenalty(frequencyPenalty)
                .presencePenalty(presencePenalty)
                .penaltyWindow(penaltyWindow)
                .logitBias(logitBias)
                .seed(seed);
    }

    /** Builds {@link SamplingParams}; the checks are the record's. */
    public static final class Builder {
        private float temperature = DEFAULT_TEMPERATURE, topP = DEFAULT_TOP_P, minP = DEFAULT_MIN_P;
        private int topK = DEFAULT_TOP_K, penaltyWindow = DEFAULT_PENALTY_WINDOW;
        private float repetitionPenalty = 1f, frequencyPenalty, presencePenalty;
        private Map<Integer, Float> logitBias = Map.of();
        private Long seed;

        private Builder() {}

        /** 0 = greedy. */
        public Builder temperature(float t) {
            temperature = t;
            return this;
        }
        /** 0 = off. */
        public Builder topK(int k) {
            topK = k;
            return this;
        }
        /** 1 = off. */
        public Builder topP(float p) {
            topP = p;
            return this;
        }
        /** 0 = off. */
        public Builder minP(float p) {
            minP = p;
            return this;
        }
        /** 1 = off. */
        public Builder repetitionPenalty(float p) {
            repetitionPenalty = p;
            return this;
        }

        public Builder frequencyPenalty(float p) {
            frequencyPenalty = p;
            return this;
        }

        public Builder presencePenalty(float p) {
            presencePenalty = p;
            return this;
        }
        /** Tokens the penalties look back over: 0 = off, -1 = all. */
        public Builder penaltyWindow(int n) {
            penaltyWindow = n;
            return this;
        }
        /** Added to the logits of these token ids (negative infinity bans a token). */
        public Builder logitBias(Map<Integer, Float> bias) {
            logitBias = bias;
            return this;
        }

        public Builder seed(long s) {
            seed = s;
            return this;
        }

        public SamplingParams build() {
            long s = seed != null
                    ? seed
                    : java.util.concurrent.ThreadLocalRandom.current().nextLong();
            return new SamplingParams(
                    temperature,
                    topK,
                    topP,
                    minP,
                    repetitionPenalty,
                    frequencyPenalty,
                    presencePenalty,
                    penaltyWindow,
                    logitBias,
                    s);
        }
    }

    public boolean isGreedy() {
        return temperature == 0f;
    }

    public boolean hasPenalties() {
        return penaltyWindow != 0 && (repetitionPenalty != 1f || frequencyPenalty != 0f || presencePenalty != 0f);
    }

    public SamplingParams withSeed(long s) {
        return toBuilder().seed(s).build();
    }

    public SamplingParams withTemperature(float t) {
        return toBuilder().temperature(t).build();
    }
}
