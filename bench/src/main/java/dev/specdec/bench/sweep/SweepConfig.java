package dev.specdec.bench.sweep;

/**
 * One configuration of a sweep. {@code draft} is a model file name or "ngram"; a baseline run has
 * draft "none", k 0 and policy "plain".
 */
public record SweepConfig(String draft, int k, String policy, float temperature) {
    public static SweepConfig baseline(float temperature) {
        return new SweepConfig("none", 0, "plain", temperature);
    }

    public boolean isBaseline() {
        return k == 0;
    }

    /** Identifies the configuration in records (resume, grouping). */
    public String key() {
        return draft + "|" + k + "|" + policy + "|" + temperature;
    }
}
