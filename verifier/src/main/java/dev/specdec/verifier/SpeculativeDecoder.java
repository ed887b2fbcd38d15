package dev.specdec.verifier;

import dev.specdec.draft.DraftLengthPolicy;
import dev.specdec.draft.DraftProposal;
import dev.specdec.draft.Drafter;
import dev.specdec.draft.FixedPolicy;
import dev.specdec.sampling.Distribution;
import dev.specdec.sampling.SamplingParams;
import dev.specdec.sampling.TokenSampler;
import dev.specdec.target.LanguageModel;
import dev.specdec.target.LastRowLogits;
import dev.specdec.target.StreamingDetokenizer;
import dev.specdec.target.Tokenizer;
import java.util.Arrays;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * The speculative decoding loop for one generation: draft k tokens, run the target ONCE over the
 * last token and the k drafts, verify, commit the accepted tokens and the correction, roll both KV
 * caches back, and stream the new tokens. Without a drafter it is plain decoding through the very
 * same sampling code: the baseline.
 *
 * <p>One instance per request: it owns the target session (and the drafter's). All buffers are sized
 * at construction; the per-step loop allocates nothing.
 */
public final class SpeculativeDecoder {
    private final LanguageModel target;
    private final Drafter drafter;
    private DraftLengthPolicy policy;
    private final int vocab;
    private final Distribution dist;
    private final VerifyMode mode;
    private final RejectionSampler sampler;
    private final BlockVerifier block;
    private Mutant mutant = Mutant.NONE;
    private final float[][] logits; // [k+1][vocab]
    private final float[][] p; // target distributions per row
    private final float[][] q; // draft q rows for the verifier
    private final int[] argmax;
    private final int[] batch;
    private final int[] draft;
    private final Verification verification = new Verification();
    private final Step step = new Step();
    private StepObserver observer = StepObserver.NONE;
    private volatile boolean cancelRequested;

    /**
     * @param drafter null for plain decoding
     * @param policy  draft length policy (ignored without a drafter)
     */
    public SpeculativeDecoder(LanguageModel target, Drafter drafter, DraftLengthPolicy policy) {
        this(target, drafter, policy, VerifyMode.REJECTION);
    }

    /**
     * @param drafter null for plain decoding
     * @param policy  draft length policy (ignored without a drafter)
     * @param mode    how sampled drafts are verified; under {@link VerifyMode#GUMBEL} plain decoding
     *                samples by the same Gumbel-max, so its text equals the speculative one's
     */
    public SpeculativeDecoder(LanguageModel target, Drafter drafter, DraftLengthPolicy policy, VerifyMode mode) {
        this.target = target;
        this.mode = mode != null ? mode : VerifyMode.REJECTION;
        this.drafter = drafter;
        this.policy = policy != null ? policy : new FixedPolicy(4);
        this.vocab = target.vocabularySize();
        this.dist = new Distribution(vocab, "the target model");
        this.sampler = new RejectionSampler(vocab);
        this.block = new BlockVerifier(vocab);
        int rows = DraftProposal.MAX_TOKENS + 1;
        this.logits = new float[rows][];
        this.p = new float[rows][];
        // rows are allocated on first use: a request with k drafts pays for k + 1 rows, once
        this.q = new float[rows][];
        this.argmax = new int[rows];
        this.batch = new int[rows];
        this.draft = new int[rows];
    }

    /** The draft-length policy for the generations that follow (it keeps learning across them). */
    public void policy(DraftLengthPolicy p) {
        if (p == null) throw new IllegalArgumentException("policy must not be null");
        this.policy = p;
    }

    /** Bytes the decoder allocates at most for a target with this vocabulary (its k + 1 rows of logits and p, and the context). */
    public static long bufferBytes(int vocab, int contextLength) {
        return 2L * (DraftProposal.MAX_TOKENS + 1) * vocab * Float.BYTES
                + 4L * (contextLength + DraftProposal.MAX_TOKENS + 1);
    }

    /** Receives every verification step of the generations that follow (null: none). */
    public void observe(StepObserver observer) {
        this.observer = observer != null ? observer : StepObserver.NONE;
    }

    /**
     * Stops the running generation after the step in progress (safe from any thread): it returns
     * with {@link StopReason#CANCELLED} and the tokens committed so far; the decoder and its caches
     * stay usable. A cancel that arrives when no generation runs is forgotten by the next one.
     */
    public void cancel() {
        cancelRequested = true;
    }

    public GenerationResult generate(GenerationRequest req, TokenListener listener) {
        return generate(req, listener, NEVER);
    }

    private static final java.util.function.BooleanSupplier NEVER = () -> false;

    /**
     * {@link #generate(GenerationRequest, TokenListener)} that also stops, as {@link #cancel} does,
     * once {@code stop} says so (asked once per step and after each committed token).
     */
    public GenerationResult generate(
            GenerationRequest req, TokenListener listener, java.util.function.BooleanSupplier stop) {
        cancelRequested = false;
        long t0 = System.nanoTime();
        SamplingParams sp = req.params();
        int[] prompt = req.prompt();
        int ctx = target.contextLength();
        if (prompt.length >= ctx) {
            throw new IllegalArgumentException("the prompt has " + prompt.length + " tokens; the context holds " + ctx
                    + " (prompt plus at least one generated token must fit)");
        }
        for (int t : prompt) {
            if (t < 0 || t >= vocab)
                throw new IllegalArgumentException("prompt token id " + t + " out of range [0, " + vocab + ")");
        }
        RandomGenerator rng = RandomGeneratorFactory.of("L64X128MixRandom").create(sp.seed());
        java.util.function.DoubleSupplier uniform = rng::nextDouble; // once per request, not per step
        // how sampled drafts draw from q: the same Gumbel-max the target takes under gumbel verification
        TokenSampler draws =
                mode == VerifyMode.GUMBEL ? new TokenSampler.GumbelMax(sp.seed()) : new TokenSampler.InverseCdf(rng);
        Tokenizer tok = target.tokenizer();
        StreamingDetokenizer detok = tok != null ? new StreamingDetokenizer(tok, false) : null;
        StopStrings stops = new StopStrings(req.stopStrings());
        DecodeStats stats = new DecodeStats();

        int[] context = new int[ctx + DraftProposal.MAX_TOKENS + 1];
        System.arraycopy(prompt, 0, context, 0, prompt.length);
        int len = prompt.length;
        // keep whatever prefix of the prompt the target's cache already holds (a chat's earlier
        // turns): a truncated cache is the same as a fresh one, so the output is unchanged
        int reuse = target.commonPrefix(prompt, len - 1);
        target.truncate(reuse);
        // the prompt's pass also gives the logits after its last token: the first step verifies no
        // drafts and passes no rows, so the first token comes as early as in plain decoding (a
        // draft that has not seen the prompt yet would delay it), and drafting starts at the second
        if (logits[0] == null) {
            logits[0] = new float[vocab];
            p[0] = new float[vocab];
        }
        target.forward(
                Arrays.copyOfRange(prompt, reuse, len), len - reuse, reuse, promptRows.rows(len - reuse, logits[0]));
        boolean prefilled = true; // until the first token is taken from the prompt's logits
        stats.prompt(len, reuse, System.nanoTime() - t0);

        int generated = 0;
        StopReason reason = StopReason.MAX_TOKENS;
        int[] out = new int[Math.max(1, req.maxTokens())];
        loop:
        while (generated < req.maxTokens()) {
            if (cancelRequested || stop.getAsBoolean()) {
                reason = StopReason.CANCELLED;
                break;
            }
            // the first token belongs to the prompt's pass: that step drafts nothing and runs no pass
            boolean promptStep = prefilled;
            prefilled = false;
            // the position of the step's first row, len - 1: the last token is not in the cache yet
            // (after the prompt's pass it is, and its logits are in logits[0])
            int cached = promptStep ? len - 1 : target.cachedLength();
            int room = ctx - cached - 1;
            if (room < 0) {
                reason = StopReason.CONTEXT_FULL;
                break;
            }
            int k = 0;
            long ts = System.nanoTime();
            DraftProposal prop = null;
            if (drafter != null && !promptStep) {
                int left = req.maxTokens() - generated;
                catchUp.context = context;
                catchUp.length = len;
                k = Math.min(Math.min(policy.nextK(catchUp, left), left - 1), room);
                if (k > 0) {
                    prop = drafter.propose(context, len, k, sp, draws, policy.minConfidence());
                    k = Math.min(prop.count(), k);
                }
            }
            long td = System.nanoTime();
            batch[0] = context[len - 1];
            for (int i = 0; i < k; i++) {
                draft[i] = prop.token(i);
                batch[i + 1] = draft[i];
                q[i] = prop.q(i);
            }
            for (int i = 0; i <= k; i++) {
                if (logits[i] == null) {
                    logits[i] = new float[vocab];
                    p[i] = new float[vocab];
                }
                logitRows[i] = logits[i];
            }
            for (int i = k + 1; i < logitRows.length && logitRows[i] != null; i++) logitRows[i] = null;
            if (!promptStep) target.forward(batch, k + 1, cached, logitRows);
            long tt = System.nanoTime();
            // the distributions see the draft tokens before each position, as plain decoding would
            System.arraycopy(draft, 0, context, len, k);
            for (int i = 0; i <= k; i++)
                dist.compute(
                        logits[i], sp, context, mutant == Mutant.PENALTY_HISTORY_WITHOUT_DRAFTS ? len : len + i, p[i]);
            if (sp.isGreedy()) {
                for (int i = 0; i <= k; i++) argmax[i] = dist.argmaxOf(p[i]);
                GreedyVerifier.verify(draft, k, argmax, verification);
            } else {
                switch (mode) {
                    case REJECTION -> sampler.verify(draft, k, q, p, uniform, verification);
                    case BLOCK -> block.verify(draft, k, q, p, uniform, verification);
                    // row i predicts the token at absolute position len + i, in plain decoding too
                    case GUMBEL ->
                        GumbelVerifier.verify(
                                draft,
                                k,
                                p,
                                vocab,
                                sp.seed(),
                                mutant == Mutant.GUMBEL_KEYED_BY_STEP ? stats.targetCalls() : len,
                                verification);
                }
            }
            int a = verification.accepted();
            target.truncate(cached + 1 + a);
            long tv = System.nanoTime();
            // the statistics of steps (target calls, their times) are of the steps after the first token
            if (!promptStep) {
                stats.addDraftNanos(td - ts);
                stats.addTargetNanos(tt - td);
                stats.addVerifyNanos(tv - tt);
                stats.step(k, a);
            }
            if (drafter != null && k > 0) policy.update(k, a, td - ts, tt - td);
            if (observer != StepObserver.NONE) {
                step.set(len, k, a, verification.next(), draft, p, q, td - ts, tt - td, tv - tt);
                observer.onStep(step);
            }
            // commit: a accepted drafts (already in context) and the correction / bonus token
            context[len + a] = verification.next();
            for (int i = 0; i <= a; i++) {
                int token = context[len];
                if (req.stopAtEndOfGeneration() && tok != null && tok.isEndOfGeneration(token)) {
                    reason = StopReason.END_OF_GENERATION;
                    target.truncate(Math.min(target.cachedLength(), len));
                    break loop;
                }
                len++;
                out[generated++] = token;
                stats.generated(1);
                stats.firstToken(System.nanoTime() - t0);
                String text = detok != null ? detok.accept(token) : "";
                String emit = stops.offer(text);
                // the last token carries the text held back until now (an unfinished stop string or character)
                boolean last = generated == req.maxTokens() && !stops.stopped();
                if (last && detok != null) emit += stops.offer(detok.flush()) + stops.drain();
                listener.onToken(token, emit);
                if (stops.stopped()) {
                    reason = StopReason.STOP_STRING;
                    break loop;
                }
                if (last) break loop;
                if (cancelRequested || stop.getAsBoolean()) {
                    reason = StopReason.CANCELLED;
                    target.truncate(Math.min(target.cachedLength(), len - 1));
                    break loop;
                }
            }
        }
        // text still held back when generation ended without a token to carry it (end of
        // generation, full context, cancellation)
        if (detok != null && !stops.stopped() && reason != StopReason.MAX_TOKENS) {
            String rest = stops.offer(detok.flush()) + stops.drain();
            if (!rest.isEmpty()) listener.onText(rest);
        }
        stats.total(System.nanoTime() - t0);
        return new GenerationResult(Arrays.copyOf(out, generated), stops.text(), reason, stats);
    }

    private final float[][] logitRows = new float[DraftProposal.MAX_TOKENS + 1][];
    private final CatchUp catchUp = new CatchUp();

    /** What the drafter must feed before drafting after the current context, asked only by a policy that prices it. */
    private final class CatchUp implements java.util.function.IntSupplier {
        int[] context;
        int length;

        @Override
        public int getAsInt() {
            return drafter.catchUp(context, length);
        }
    }

    private final LastRowLogits promptRows = new LastRowLogits();

    public VerifyMode verifyMode() {
        return mode;
    }

    /** Switches on a deliberate bug (the teeth tests only). */
    SpeculativeDecoder mutate(Mutant m) {
        this.mutant = m;
        sampler.mutant = m;
        block.mutant = m;
        return this;
    }

    /** Text held back while it could still become a stop string. */
    private static final class StopStrings {
        private final java.util.List<String> stops;
        private final StringBuilder all = new StringBuilder();
        private int emitted;
        private boolean stopped;

        StopStrings(java.util.List<String> stops) {
            this.stops = stops;
        }

        /** Adds text; returns what can be shown now. */
        String offer(String s) {
            if (stopped) return "";
            all.append(s);
            if (stops.isEmpty()) return flushTo(all.length());
            int earliest = -1;
            for (String st : stops) {
                int at = all.indexOf(st, Math.max(0, emitted - st.length()));
                if (at >= 0 && (earliest < 0 || at < earliest)) earliest = at;
            }
            if (earliest >= 0) {
                stopped = true;
                all.setLength(earliest);
                return flushTo(earliest);
            }
            int hold = 0;
            for (String st : stops) {
                for (int l = Math.min(st.length() - 1, all.length()); l > hold; l--) {
                    if (endsWithPrefix(all, st, l)) {
                        hold = l;
                        break;
                    }
                }
            }
            return flushTo(all.length() - hold);
        }

        private static boolean endsWithPrefix(StringBuilder sb, String st, int l) {
            int base = sb.length() - l;
            for (int i = 0; i < l; i++) if (sb.charAt(base + i) != st.charAt(i)) return false;
            return true;
        }

        String drain() {
            return stopped ? "" : flushTo(all.length());
        }

        private String flushTo(int end) {
            if (end <= emitted) return "";
            String r = all.substring(emitted, end);
            emitted = end;
            return r;
        }

        boolean stopped() {
            return stopped;
        }

        String text() {
            return all.toString();
        }
    }
}
