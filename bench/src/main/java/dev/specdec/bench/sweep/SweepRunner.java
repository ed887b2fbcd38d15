package dev.specdec.bench.sweep;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.specdec.draft.DraftProposal;
import dev.specdec.draft.ModelDrafter;
import dev.specdec.draft.PromptLookupDrafter;
import dev.specdec.engine.Request;
import dev.specdec.engine.Result;
import dev.specdec.engine.Session;
import dev.specdec.engine.Speculation;
import dev.specdec.sampling.Distribution;
import dev.specdec.sampling.SamplingParams;
import dev.specdec.target.LanguageModel;
import dev.specdec.verifier.VerifyMode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Runs a sweep: for every prompt, temperature and seed, the plain baseline and then every
 * (draft, k, policy) configuration, interleaved so that machine drift affects all alike. Each run is
 * appended to runs.jsonl and flushed at once, so an interrupted sweep keeps what it finished and
 * {@code --resume} continues from there.
 */
public final class SweepRunner {
    /** What to run. */
    public record Plan(
            List<Prompt> prompts,
            List<String> drafts,
            int[] ks,
            List<String> policies,
            float[] temperatures,
            int seeds,
            int maxTokens,
            boolean record) {
        List<SweepConfig> configs(float temperature) {
            List<SweepConfig> c = new ArrayList<>();
            c.add(SweepConfig.baseline(temperature));
            for (String d : drafts)
                for (String p : policies) for (int k : ks) c.add(new SweepConfig(d, k, p, temperature));
            return c;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Session plain;
    private final Map<String, Session> drafted;
    private final VerifyMode verify;

    /**
     * @param plain   a session of the target alone (the baseline)
     * @param drafted by the name used in records ("ngram" or a model file name): a session of an
     *                engine with that draft (the target the same file as plain's)
     */
    public SweepRunner(Session plain, Map<String, Session> drafted) {
        this(plain, drafted, VerifyMode.REJECTION);
    }

    /** @param verify how every run of the sweep (baselines included) verifies sampled drafts */
    public SweepRunner(Session plain, Map<String, Session> drafted, VerifyMode verify) {
        this.plain = plain;
        this.drafted = drafted;
        this.verify = verify;
    }

    /** Keys of runs already in a runs.jsonl (for --resume). */
    public static Set<String> doneKeys(Path runs) throws IOException {
        Set<String> done = new HashSet<>();
        if (!Files.exists(runs)) return done;
        for (String line : Files.readAllLines(runs, StandardCharsets.UTF_8)) {
            if (line.isBlank()) continue;
            try {
                done.add(JSON.readValue(line, RunRecord.class).key());
            } catch (IOException e) {
                // a line cut short by an interruption: that run is simply done again
            }
        }
        return done;
    }

    public static List<RunRecord> read(Path runs) throws IOException {
        List<RunRecord> out = new ArrayList<>();
        List<String> lines = Files.readAllLines(runs, StandardCharsets.UTF_8);
        for (int n = 1; n <= lines.size(); n++) {
            String line = lines.get(n - 1);
            if (line.isBlank()) continue;
            try {
                out.add(JSON.readValue(line, RunRecord.class));
            } catch (IOException e) {
                // only the last line may be cut short (an interrupted sweep)
                if (n < lines.size()) throw new IOException(runs + " line " + n + ": not a run record", e);
            }
        }
        return out;
    }

    /** Runs everything not in {@code done}; returns the number of runs made. */
    public int run(Plan plan, Path runsFile, Set<String> done, boolean progress) throws IOException {
        var todo = new ArrayList<Object[]>();
        for (float temp : plan.temperatures) {
            for (int s = 0; s < plan.seeds; s++) {
                for (Prompt p : plan.prompts) {
                    for (SweepConfig c : plan.configs(temp)) {
                        String key = p.id() + "|" + (1000L + s) + "|" + c.key();
                        if (!done.contains(key)) todo.add(new Object[] {p, 1000L + s, c});
                    }
                }
            }
        }
        if (!todo.isEmpty()) {
            // warm-up: every configuration once, untimed, so JIT compilation does not land in the first measured runs
            for (SweepConfig c : plan.configs(plan.temperatures[0]))
                runOne(plan.prompts.getFirst(), 0, c, Math.min(plan.maxTokens, 32), false);
        }
        int made = 0;
        try (BufferedWriter out = Files.newBufferedWriter(
                        runsFile, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                ProgressBar bar = progress
                        ? new ProgressBarBuilder()
                                .setTaskName("sweep")
                                .setInitialMax(todo.size())
                                .setStyle(ProgressBarStyle.ASCII)
                                .setUpdateIntervalMillis(500)
                                .showSpeed()
                                .build()
                        : null) {
            for (Object[] t : todo) {
                RunRecord r = runOne((Prompt) t[0], (long) t[1], (SweepConfig) t[2], plan.maxTokens, plan.record);
                out.write(JSON.writeValueAsString(r));
                out.write('\n');
                out.flush();
                made++;
                if (bar != null) bar.step();
            }
        }
        return made;
    }

    RunRecord runOne(Prompt p, long seed, SweepConfig c, int maxTokens, boolean record) {
        LanguageModel target = plain.targetModel();
        int[] ids = target.tokenizer().encode(p.prompt(), true, false);
        SamplingParams sp = SamplingParams.temperature(c.temperature(), seed);
        Session session = c.isBaseline() ? plain : drafted.get(c.draft());
        if (session == null) throw new IllegalArgumentException("no drafter named " + c.draft());
        Speculation spec = c.isBaseline()
                ? Speculation.OFF.withVerify(verify)
                : new Speculation(
                        c.draft().equals("ngram") ? Speculation.Draft.NGRAM : Speculation.Draft.DEFAULT,
                        c.k(),
                        c.policy(),
                        false,
                        verify);
        long[] last = {System.nanoTime()};
        double[] lat = new double[maxTokens];
        int[] count = {0};
        Result r = session.generate(
                Request.tokens(ids)
                        .maxTokens(maxTokens)
                        .sampling(sp)
                        .ignoreEndOfGeneration()
                        .speculation(spec)
                        .build(),
                (tok, text) -> {
                    long now = System.nanoTime();
                    if (count[0] < lat.length) lat[count[0]++] = (now - last[0]) / 1e6;
                    last[0] = now;
                });
        var s = r.stats();
        // the first latency counts from the start of the request: time to first token
        if (count[0] > 0) lat[0] = (s.timeToFirstTokenNanos()) / 1e6;
        List<double[]> trace = record && !c.isBaseline()
                ? trace(ids, r.tokens(), sp, c.draft().equals("ngram") ? null : session.draftModel())
                : null;
        return new RunRecord(
                p.id(),
                p.category(),
                seed,
                c.draft(),
                c.k(),
                c.policy(),
                c.temperature(),
                r.tokens().length,
                s.targetCalls(),
                s.draftTokens(),
                s.acceptedTokens(),
                s.proposedAtPosition(),
                s.acceptedAtPosition(),
                s.acceptedLengthHistogram(),
                s.draftNanos() / 1e6,
                s.targetNanos() / 1e6,
                s.verifyNanos() / 1e6,
                s.totalNanos() / 1e6,
                s.promptNanos() / 1e6,
                s.timeToFirstTokenNanos() / 1e6,
                s.tokensPerSecond(),
                Arrays.copyOf(lat, count[0]),
                trace);
    }

    /**
     * Per generated position t: {p_t(y_t), q_t(y_t), draft top probability}. p and q are the
     * distributions the request's parameters give at that position of the final sequence y.
     * Computed by running the models along y once more: the decoder's steps do not see q at
     * the bonus positions (after a fully accepted draft the draft never ran there).
     *
     * @param draftModel the draft model, or null for prompt lookup
     */
    List<double[]> trace(int[] prompt, int[] y, SamplingParams sp, LanguageModel draftModel) {
        LanguageModel target = plain.targetModel();
        int n = y.length;
        List<double[]> out = new ArrayList<>(n);
        if (n == 0) return out;
        int[] full = Arrays.copyOf(prompt, prompt.length + n);
        System.arraycopy(y, 0, full, prompt.length, n);
        float[][] pl = logitsAlong(target, full, prompt.length, n);
        int[] seen = draftModel != null
                ? ModelDrafter.asSeenBy(draftModel, full)
                : full; // the sequence as the draft sees it
        float[][] ql = draftModel != null ? logitsAlong(draftModel, seen, prompt.length, n) : null;
        Distribution dist = new Distribution(target.vocabularySize(), "the target model");
        float[] p = new float[target.vocabularySize()];
        float[] q = ql != null ? new float[ql[0].length] : null;
        Distribution qd = ql != null ? new Distribution(ql[0].length, "the draft") : null;
        PromptLookupDrafter lookup = draftModel == null ? new PromptLookupDrafter() : null;
        for (int t = 0; t < n; t++) {
            int pos = prompt.length + t;
            dist.compute(pl[t], sp, full, pos, p);
            double pt = p[y[t]];
            double qt, top;
            if (qd != null) {
                qd.compute(ql[t], sp, seen, pos, q);
                qt = y[t] < q.length ? q[y[t]] : 0;
                top = Distribution.topProbability(ql[t], ql[t].length);
            } else {
                DraftProposal prop = lookup.propose(full, pos, 1, sp, null, 0f);
                qt = prop.count() > 0 && prop.token(0) == y[t] ? 1 : 0;
                top = 1;
            }
            out.add(new double[] {pt, qt, top});
        }
        return out;
    }

    private static float[][] logitsAlong(LanguageModel m, int[] full, int promptLength, int n) {
        m.truncate(0);
        float[][] rows = new float[full.length][];
        for (int t = 0; t < n; t++) rows[promptLength - 1 + t] = new float[m.vocabularySize()];
        m.forward(full, full.length - 1, 0, rows);
        return Arrays.copyOfRange(rows, promptLength - 1, promptLength - 1 + n);
    }
}
