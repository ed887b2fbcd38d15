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
        float temperature, int topK, float topP, float minP,
        float repetitionPenalty, float frequencyPenalty, float presencePenalty, int penaltyWindow,
        Map<Integer, Float> logitBias, long seed) {

    public SamplingParams {
        if (!(temperature >= 0) || Float.isInfinite(temperature)) throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        if (topK < 0) throw new IllegalArgumentException("top-k must be >= 0, got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        if (!(minP >= 0 && minP <= 1)) throw new IllegalArgumentException("min-p must be in [0, 1], got " + minP);
        if (!(repetitionPenalty > 0)) throw new IllegalArgumentException("repetition penalty must be > 0, got " + repetitionPenalty);
        if (penaltyWindow < -1) throw new IllegalArgumentException("penalty window must be >= -1, got " + penaltyWindow);
        logitBias = logitBias == null ? Map.of() : Map.copyOf(logitBias);
    }

    public static SamplingParams greedy() {
        return new SamplingParams(0f, 0, 1f, 0f, 1f, 0f, 0f, 64, Map.of(), 0);
    }

    public static SamplingParams temperature(float t, long seed) {
        return new SamplingParams(t, 0, 1f, 0f, 1f, 0f, 0f, 64, Map.of(), seed);
    }

    public boolean isGreedy() { return temperature == 0f; }

    public boolean hasPenalties() {
        return penaltyWindow != 0 && (repetitionPenalty != 1f || frequencyPenalty != 0f || presencePenalty != 0f);
    }

    public SamplingParams withSeed(long s) {
        return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, frequencyPenalty, presencePenalty, penaltyWindow, logitBias, s);
    }

    public SamplingParams withTemperature(float t) {
        return new SamplingParams(t, topK, topP, minP, repetitionPenalty, frequencyPenalty, presencePenalty, penaltyWindow, logitBias, seed);
    }
}
