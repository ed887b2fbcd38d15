package dev.specdec.bench;

import dev.specdec.target.KvCache;
import dev.specdec.target.ModelWeights;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.HdrHistogram.Histogram;

/**
 * llama-bench for one model: decode speed (tg), prompt processing (pp), and the cost of a target
 * pass over b rows with logits at every row (what verifying b - 1 drafts costs) relative to one
 * decode step, all in one process, with warm-up and repetitions.
 */
public final class ModelBenchmark {

    /** What was measured for one model. */
    public record Result(
            String model,
            String type,
            int threads,
            double bandwidthGbps,
            double decodeTokensPerSecond,
            double decodeSd,
            double decodeGbps,
            Map<Integer, Double> passMs,
            Map<Integer, Double> passCostRatio,
            Map<Integer, Double> promptTokensPerSecond,
            long residentBytes,
            long bytesPerToken,
            double p50Ms,
            double p90Ms,
            double p99Ms) {}

    private final ModelWeights w;
    private final java.util.function.IntFunction<dev.specdec.target.LanguageModel> sessions;
    private final int threads;
    private final int reps;
    private final int decodeTokens;
    private final int maxB;

    public ModelBenchmark(ModelWeights w, int threads, int reps, int decodeTokens, int maxB) {
        this(w, ctx -> w.newSession(ctx, threads, KvCache.Type.F32), threads, reps, decodeTokens, maxB);
    }

    /** @param sessions makes a session of the given context length (CPU or GPU) */
    public ModelBenchmark(
            ModelWeights w,
            java.util.function.IntFunction<dev.specdec.target.LanguageModel> sessions,
            int threads,
            int reps,
            int decodeTokens,
            int maxB) {
        this.w = w;
        this.sessions = sessions;
        this.threads = threads;
        this.reps = reps;
        this.decodeTokens = decodeTokens;
        this.maxB = maxB;
    }

    public Result run(double bandwidthBytesPerSecond, int[] promptSizes) {
        int vocab = w.config().vocabSize();
        SplittableRandom rnd = new SplittableRandom(1);
        int ctx = Math.min(
                w.config().contextLength(),
                Math.max(1024, Arrays.stream(promptSizes).max().orElse(0) + 64));
        Histogram latency = new Histogram(3_600_000_000L, 3);
        double[] tg = new double[reps];
        Map<Integer, Double> passMs = new LinkedHashMap<>();
        Map<Integer, Double> pp = new LinkedHashMap<>();
        try (dev.specdec.target.LanguageModel t = sessions.apply(ctx)) {
            int[] prefix = new int[32];
            for (int i = 0; i < prefix.length; i++) prefix[i] = rnd.nextInt(vocab);
            float[][] one = {new float[vocab]};
            int[] tok = new int[1];
            // warm-up until the JIT has compiled the decode path and the batched path (which runs
            // other kernels): at least 64 tokens and 2 seconds, a b-row pass every 4th step
            long warmUntil = System.nanoTime() + 2_000_000_000L;
            int[] warmBatch = new int[Math.max(2, maxB)];
            float[][] warmRows = new float[warmBatch.length][vocab];
            for (int i = 0; i < 64 || System.nanoTime() < warmUntil; i++) {
                if (t.cachedLength() + warmBatch.length + 1 >= ctx) t.truncate(0);
                tok[0] = rnd.nextInt(vocab);
                t.forward(tok, 1, t.cachedLength(), one);
                if (i % 4 == 3) {
                    int b = 2 + (i / 4) % (warmBatch.length - 1), at = t.cachedLength();
                    for (int j = 0; j < b; j++) warmBatch[j] = rnd.nextInt(vocab);
                    t.forward(warmBatch, b, at, warmRows);
                    t.truncate(at);
                }
                if (i > 4096) break;
            }
            // decode: one token per pass, logits on, after a 32-token prompt
            for (int r = -1; r < reps; r++) { // r = -1 is one more warm-up round
                t.truncate(0);
                t.forward(prefix, prefix.length, 0, null);
                long t0 = System.nanoTime();
                for (int i = 0; i < decodeTokens; i++) {
                    long s = System.nanoTime();
                    tok[0] = rnd.nextInt(vocab);
                    t.forward(tok, 1, t.cachedLength(), one);
                    if (r >= 0) latency.recordValue(System.nanoTime() - s);
                }
                if (r >= 0) tg[r] = decodeTokens / ((System.nanoTime() - t0) / 1e9);
            }
            // b-row passes at the same position, rolled back after each
            int[] batch = new int[maxB];
            float[][] rows = new float[maxB][vocab];
            t.truncate(0);
            t.forward(prefix, prefix.length, 0, null);
            int base = t.cachedLength();
            int repsPerB = Math.max(5, reps * 3);
            for (int b = 1; b <= maxB; b++) {
                double[] ms = new double[repsPerB];
                for (int r = -1; r < repsPerB; r++) {
                    for (int i = 0; i < b; i++) batch[i] = rnd.nextInt(vocab);
                    long s = System.nanoTime();
                    t.forward(batch, b, base, rows);
                    if (r >= 0) ms[r] = (System.nanoTime() - s) / 1e6;
                    t.truncate(base);
                }
                Arrays.sort(ms);
                passMs.put(b, ms[ms.length / 2]);
            }
            for (int n : promptSizes) {
                if (n + 1 > ctx) continue;
                int[] prompt = new int[n];
                for (int i = 0; i < n; i++) prompt[i] = rnd.nextInt(vocab);
                double best = 0;
                for (int r = -1; r < Math.max(1, reps / 2); r++) {
                    t.truncate(0);
                    long s = System.nanoTime();
                    t.forward(prompt, n, 0, new float[][] {});
                    double tps = n / ((System.nanoTime() - s) / 1e9);
                    if (r >= 0) best = Math.max(best, tps);
                }
                pp.put(n, best);
            }
        }
        double mean = Arrays.stream(tg).average().orElse(0);
        double sd =
                Math.sqrt(Arrays.stream(tg).map(x -> (x - mean) * (x - mean)).sum() / Math.max(1, tg.length - 1));
        Map<Integer, Double> ratio = new LinkedHashMap<>();
        for (var e : passMs.entrySet()) ratio.put(e.getKey(), e.getValue() / passMs.get(1));
        long bpt = w.bytesPerToken();
        return new Result(
                w.source().getFileName().toString(),
                dominantType(w),
                threads,
                bandwidthBytesPerSecond / 1e9,
                mean,
                sd,
                bpt * mean / 1e9,
                passMs,
                ratio,
                pp,
                residentBytes(),
                bpt,
                latency.getValueAtPercentile(50) / 1e6,
                latency.getValueAtPercentile(90) / 1e6,
                latency.getValueAtPercentile(99) / 1e6);
    }

    /** The type of the largest share of weight bytes. */
    static String dominantType(ModelWeights w) {
        Map<String, Long> bytes = new LinkedHashMap<>();
        for (var l : w.layers()) {
            for (var t : l.matrices()) bytes.merge(t.type().name(), t.data().byteSize(), Long::sum);
        }
        return bytes.entrySet().stream()
                .max(Map.Entry.comparingByValue())
                .map(Map.Entry::getKey)
                .orElse("?");
    }

    /** Resident set size of this process (Linux), or -1. */
    public static long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        } catch (Exception e) {
            return -1;
        }
        return -1;
    }
}
