package dev.specdec.cli;

import dev.specdec.sampling.SamplingParams;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import dev.specdec.target.ModelWeights;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Sampling flags shared by every command that generates. */
final class SamplingOptions {
    @Option(names = "--temperature", description = "Temperature; 0 = greedy (default: ${DEFAULT-VALUE}).", defaultValue = "0.8")
    float temperature;

    @Option(names = "--top-k", description = "Keep the k most likely tokens; 0 = off (default: ${DEFAULT-VALUE}).", defaultValue = "40")
    int topK;

    @Option(names = "--top-p", description = "Nucleus sampling mass; 1 = off (default: ${DEFAULT-VALUE}).", defaultValue = "0.95")
    float topP;

    @Option(names = "--min-p", description = "Drop tokens below min-p times the top probability; 0 = off (default: ${DEFAULT-VALUE}).", defaultValue = "0.05")
    float minP;

    @Option(names = "--repeat-penalty", description = "Repetition penalty; 1 = off (default: ${DEFAULT-VALUE}).", defaultValue = "1.0")
    float repeatPenalty;

    @Option(names = "--frequency-penalty", defaultValue = "0", description = "Frequency penalty (default: ${DEFAULT-VALUE}).")
    float frequencyPenalty;

    @Option(names = "--presence-penalty", defaultValue = "0", description = "Presence penalty (default: ${DEFAULT-VALUE}).")
    float presencePenalty;

    @Option(names = "--repeat-last-n", defaultValue = "64", description = "Tokens the penalties look back over; -1 = all (default: ${DEFAULT-VALUE}).")
    int repeatLastN;

    @Option(names = "--logit-bias", description = "TOKEN_ID=BIAS, repeatable (e.g. 2=-inf to ban EOS).")
    List<String> logitBias;

    @Option(names = "--seed", description = "Random seed (default: random; printed with the stats).")
    Long seed;

    @Spec(Spec.Target.MIXEE) CommandSpec spec;

    private SamplingParams params;   // made once: a random seed must stay the same for the whole command

    /** The parameters; a value no sampling can use (--top-p 2, a malformed --logit-bias) is bad usage. */
    SamplingParams params() {
        if (params == null) params = Usage.check(spec, this::make);
        return params;
    }

    /** Logit-bias ids must be tokens of the model (bad input, exit 1, as a prompt token id outside it). */
    void checkVocabulary(ModelWeights w) {
        int n = w.config().vocabSize();
        for (int id : params().logitBias().keySet()) {
            if (id < 0 || id >= n) {
                throw new IllegalArgumentException("--logit-bias: token id " + id + " is not in the vocabulary of "
                        + w.source().getFileName() + " (ids 0.." + (n - 1) + ")");
            }
        }
    }

    private SamplingParams make() {
        Map<Integer, Float> bias = new HashMap<>();
        if (logitBias != null) {
            for (String b : logitBias) {
                String[] kv = b.split("=", 2);
                try {
                    float v = kv[1].trim().equalsIgnoreCase("-inf") ? Float.NEGATIVE_INFINITY : Float.parseFloat(kv[1].trim());
                    bias.put(Integer.parseInt(kv[0].trim()), v);
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException("--logit-bias expects TOKEN_ID=BIAS, got '" + b + "'");
                }
            }
        }
        long s = seed != null ? seed : System.nanoTime();
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, frequencyPenalty, presencePenalty, repeatLastN, bias, s);
    }
}
