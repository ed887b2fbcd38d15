package dev.specdec.cli;

import dev.specdec.sampling.SamplingParams;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Sampling flags shared by every command that generates. */
final class SamplingOptions {
    @Option(
            names = "--temperature",
            description = "Temperature; 0 = greedy (default: ${DEFAULT-VALUE}).",
            defaultValue = "" + SamplingParams.DEFAULT_TEMPERATURE)
    float temperature;

    @Option(
            names = "--top-k",
            description = "Keep the k most likely tokens; 0 = off (default: ${DEFAULT-VALUE}).",
            defaultValue = "" + SamplingParams.DEFAULT_TOP_K)
    int topK;

    @Option(
            names = "--top-p",
            description = "Nucleus sampling mass; 1 = off (default: ${DEFAULT-VALUE}).",
            defaultValue = "" + SamplingParams.DEFAULT_TOP_P)
    float topP;

    @Option(
            names = "--min-p",
            description = "Drop tokens below min-p times the top probability; 0 = off (default: ${DEFAULT-VALUE}).",
            defaultValue = "" + SamplingParams.DEFAULT_MIN_P)
    float minP;

    @Option(
            names = "--repeat-penalty",
            description = "Repetition penalty; 1 = off (default: ${DEFAULT-VALUE}).",
            defaultValue = "1.0")
    float repeatPenalty;

    @Option(
            names = "--frequency-penalty",
            defaultValue = "0",
            description = "Frequency penalty (default: ${DEFAULT-VALUE}).")
    float frequencyPenalty;

    @Option(
            names = "--presence-penalty",
            defaultValue = "0",
            description = "Presence penalty (default: ${DEFAULT-VALUE}).")
    float presencePenalty;

    @Option(
            names = "--repeat-last-n",
            defaultValue = "" + SamplingParams.DEFAULT_PENALTY_WINDOW,
            description = "Tokens the penalties look back over; -1 = all (default: ${DEFAULT-VALUE}).")
    int repeatLastN;

    @Option(names = "--logit-bias", description = "TOKEN_ID=BIAS, repeatable (e.g. 2=-inf to ban EOS).")
    List<String> logitBias;

    @Option(names = "--seed", description = "Random seed (default: random; printed with the stats).")
    Long seed;

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    private SamplingParams params; // made once: a random seed must stay the same for the whole command

    /** The parameters; a value no sampling can use (--top-p 2, a malformed --logit-bias) is bad usage. */
    SamplingParams params() {
        if (params == null) params = Usage.check(spec, this::make);
        return params;
    }

    private SamplingParams make() {
        Map<Integer, Float> bias = new HashMap<>();
        if (logitBias != null) {
            for (String b : logitBias) {
                String[] kv = b.split("=", 2);
                try {
                    float v = kv[1].trim().equalsIgnoreCase("-inf")
                            ? Float.NEGATIVE_INFINITY
                            : Float.parseFloat(kv[1].trim());
                    bias.put(Integer.parseInt(kv[0].trim()), v);
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException("--logit-bias expects TOKEN_ID=BIAS, got '" + b + "'");
                }
            }
        }
        SamplingParams.Builder b = SamplingParams.builder()
                .temperature(temperature)
                .topK(topK)
                .topP(topP)
                .minP(minP)
                .repetitionPenalty(repeatPenalty)
                .frequencyPenalty(frequencyPenalty)
                .presencePenalty(presencePenalty)
                .penaltyWindow(repeatLastN)
                .logitBias(bias);
        if (seed != null) b.seed(seed);
        return b.build();
    }
}
