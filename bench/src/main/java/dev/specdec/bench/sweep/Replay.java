package dev.specdec.bench.sweep;

import dev.specdec.draft.CostModel;
import dev.specdec.draft.DraftLengthPolicy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Evaluates draft-length policies on recorded traces without running models. Given the generated
 * sequence y, exact rejection sampling accepts the draft at position t with probability
 * min(p_t(y_t), q_t(y_t)) / p_t(y_t): P(accept and emit y_t) = q(y_t) * min(1, p(y_t)/q(y_t)) =
 * min(p(y_t), q(y_t)), and P(emit y_t) = p(y_t). Every policy sees the same uniforms per position
 * (common random numbers), so differences between policies are not sampling noise. Time is in
 * units of one plain decode step, from the cost model. The ORACLE knows, at every step, how many
 * drafts would be accepted and picks the k that minimizes the total cost of the trace: an upper
 * bound for every policy under the same costs.
 */
public final class Replay {
    private Replay() {}

    /** One policy's result: tokens per unit of time relative to plain decoding, and acceptance. */
    public record Result(String policy, int k, double speedup, double tokensPerStep, double acceptance) {}

    public static List<Result> run(
            List<RunRecord> records, List<String> policies, int[] ks, CostModel costs, int replicates) {
        List<List<double[]>> traces = new ArrayList<>();
        for (RunRecord r : records) if (r.trace() != null && !r.trace().isEmpty()) traces.add(r.trace());
        if (traces.isEmpty()) throw new IllegalArgumentException("no traces in the runs: sweep with --record first");
        List<Result> out = new ArrayList<>();
        for (String p : policies) for (int k : ks) out.add(simulate(traces, p, k, costs, replicates));
        int maxK = 0;
        for (int k : ks) maxK = Math.max(maxK, k);
        out.add(simulate(traces, "oracle", maxK, costs, replicates));
        return out;
    }

    static Result simulate(List<List<double[]>> traces, String policyName, int k, CostModel costs, int replicates) {
        double tokens = 0, time = 0, steps = 0, drafted = 0, accepted = 0;
        for (int rep = 0; rep < replicates; rep++) {
            for (int ti = 0; ti < traces.size(); ti++) {
                List<double[]> tr = traces.get(ti);
                int n = tr.size();
                double[] u = new double[n];
                SplittableRandom rnd = new SplittableRandom(1_000_003L * ti + rep); // common random numbers
                for (int i = 0; i < n; i++) u[i] = rnd.nextDouble();
                int[] run = new int[n + 1]; // run[i]: consecutive acceptances from position i
                for (int i = n - 1; i >= 0; i--) run[i] = u[i] < acceptance(tr.get(i)) ? run[i + 1] + 1 : 0;
                int[] oracle = policyName.equals("oracle") ? oracleChoices(run, n, k, costs) : null;
                DraftLengthPolicy policy = oracle != null ? null : DraftLengthPolicy.named(policyName, k, costs);
                int pos = 0;
                while (pos < n) {
                    int kk;
                    if (policy == null) {
                        kk = oracle[pos];
                    } else {
                        kk = Math.min(policy.nextK(), n - pos);
                        float minConf = policy.minConfidence();
                        if (minConf > 0) {
                            int c = 1;
                            while (c < kk && tr.get(pos + c)[2] >= minConf) c++;
                            kk = c;
                        }
                    }
                    int a = Math.min(run[pos], kk);
                    double cost = costs.passCost(kk + 1) + kk * costs.draftPerToken();
                    if (policy != null)
                        policy.update(kk, a, (long) (kk * costs.draftPerToken() * 1e6), (long)
                                (costs.passCost(kk + 1) * 1e6));
                    int emitted = Math.min(a + 1, n - pos);
                    pos += emitted;
                    tokens += emitted;
                    time += cost;
                    steps++;
                    drafted += kk;
                    accepted += a;
                }
            }
        }
        return new Result(policyName, k, tokens / time, tokens / steps, drafted == 0 ? 0 : accepted / drafted);
    }

    /**
     * The best k at every step in hindsight: dynamic programming over positions for the least total
     * cost to emit the trace, drafting at most the run of tokens that will be accepted (and at most k).
     */
    static int[] oracleChoices(int[] run, int n, int k, CostModel costs) {
        double[] best = new double[n + 1];
        int[] choice = new int[n + 1];
        for (int pos = n - 1; pos >= 0; pos--) {
            best[pos] = Double.MAX_VALUE;
            for (int kk = 0; kk <= Math.min(run[pos], k); kk++) {
                int next = Math.min(n, pos + kk + 1);
                double c = costs.passCost(kk + 1) + kk * costs.draftPerToken() + best[next];
                if (c < best[pos]) {
                    best[pos] = c;
                    choice[pos] = kk;
                }
            }
        }
        return choice;
    }

    static double acceptance(double[] t) {
        double p = t[0], q = t[1];
        return p <= 0 ? 0 : Math.min(p, q) / p;
    }

    public static String table(List<Result> results) {
        StringBuilder sb = new StringBuilder(
                "| policy | k | predicted speedup | tokens/step | acceptance |\n|---|---|---|---|---|\n");
        for (Result r : results) {
            sb.append(String.format(
                    java.util.Locale.ROOT,
                    "| %s | %d | %.3f | %.2f | %.3f |%n",
                    r.policy(),
                    r.k(),
                    r.speedup(),
                    r.tokensPerStep(),
                    r.acceptance()));
        }
        return sb.toString();
    }

    /** Results keyed by policy and k, for tests. */
    public static Map<String, Result> byName(List<Result> rs) {
        Map<String, Result> m = new LinkedHashMap<>();
        for (Result r : rs) m.put(r.policy() + "/" + r.k(), r);
        return m;
    }
}
