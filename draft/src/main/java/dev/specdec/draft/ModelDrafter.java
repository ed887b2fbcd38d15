package dev.specdec.draft;

import dev.specdec.sampling.Distribution;
import dev.specdec.sampling.SamplingParams;
import dev.specdec.sampling.TokenSampler;
import dev.specdec.target.LanguageModel;
import dev.specdec.target.Tokenizer;

/**
 * A smaller language model as the drafter: it keeps its own KV cache in step with the context,
 * samples k tokens with the request's parameters (recording the q it drew from), and rolls its
 * cache back to the common prefix when the verifier rejects. Any {@link LanguageModel} whose
 * vocabulary matches the target's works, including the target's own file in a cheaper type, and
 * so does one whose vocabulary is a prefix of the target's (real pairs differ in padding tokens at
 * the end): the target's tokens beyond it reach the draft as the draft's unknown token, and the
 * draft, whose logits cover only its own vocabulary, never proposes them (its q is 0 there).
 */
public final class ModelDrafter implements Drafter {
    /** How a draft token is chosen. */
    public enum Mode {
        /** Sample from the draft's own q (exact rejection sampling keeps more: the default). */
        SAMPLED,
        /** Propose the draft's top token (q one-hot): cheaper, accepted less often when sampling. */
        TOP_TOKEN
    }

    private final LanguageModel model;
    private final String name;
    private final Mode mode;
    private final int vocab;
    private final int unknown; // what the draft is fed for a context token beyond its vocabulary
    private final Distribution dist;
    private final DraftProposal proposal;
    private final int[] history; // context (as the draft sees it) + draft tokens: fed to the draft, and for penalties
    private final float[][] logits;
    private final float[] scratch;

    private ModelDrafter(LanguageModel model, String name, Mode mode) {
        this.model = model;
        this.name = name;
        this.mode = mode;
        this.vocab = model.vocabularySize();
        // the draft's unknown token; a vocabulary without one (byte-level BPE) gets token 0. What the
        // draft sees changes its proposals, never the output: the target verifies every token
        this.unknown = unknownOf(model);
        this.dist = new Distribution(vocab, "draft " + name);
        this.proposal = new DraftProposal(vocab, mode == Mode.SAMPLED);
        this.history = new int[model.contextLength() + DraftProposal.MAX_TOKENS];
        this.logits = new float[1][vocab];
        this.scratch = new float[vocab];
    }

    /** Bytes a sampling drafter allocates besides its model's session: q rows for k tokens, logits, history. */
    public static long bufferBytes(int vocab, int contextLength) {
        return ((long) DraftProposal.MAX_TOKENS + 2) * vocab * Float.BYTES
                + 4L * (contextLength + DraftProposal.MAX_TOKENS);
    }

    /**
     * Wraps a draft model after checking its vocabulary against the target's: same token strings,
     * id for id; the draft may stop early (a prefix of the target's vocabulary).
     *
     * @throws IncompatibleVocabularyException naming the first id that differs
     */
    public static ModelDrafter create(
            LanguageModel draft, Tokenizer targetTokens, int targetVocab, String name, Mode mode) {
        checkVocabulary(draft.tokenizer(), draft.vocabularySize(), targetTokens, targetVocab, name);
        return new ModelDrafter(draft, name, mode);
    }

    /**
     * The check {@link #create} makes, for callers that want it before any session exists: same token
     * strings id for id; the draft's vocabulary may be a prefix of the target's.
     *
     * @throws IncompatibleVocabularyException naming the first id that differs
     */
    public static void checkVocabulary(Tokenizer dt, int dv, Tokenizer targetTokens, int targetVocab, String name) {
        if (dv > targetVocab) {
            throw new IncompatibleVocabularyException("draft " + name + " has " + dv
                    + " tokens, more than the target's " + targetVocab + ": the first extra id is " + targetVocab);
        }
        if (dt != null && targetTokens != null) {
            int n = Math.min(dt.vocabularySize(), targetTokens.vocabularySize());
            for (int id = 0; id < n; id++) {
                if (!dt.tokenText(id).equals(targetTokens.tokenText(id))) {
                    throw new IncompatibleVocabularyException("draft " + name + " and the target disagree at token id "
                            + id + ": draft '" + dt.tokenText(id) + "' vs target '" + targetTokens.tokenText(id) + "'");
                }
            }
        }
    }

    public LanguageModel model() {
        return model;
    }

    /** The token the draft is fed for the target's {@code token}: itself, or the draft's unknown token beyond its vocabulary. */
    public int asSeen(int token) {
        return token < vocab ? token : unknown;
    }

    /** The tokens as {@code draft} sees them (for callers that run a draft model themselves, such as the sweep's trace). */
    public static int[] asSeenBy(LanguageModel draft, int[] tokens) {
        int vocab = draft.vocabularySize(), unknown = unknownOf(draft);
        int[] r = new int[tokens.length];
        for (int i = 0; i < r.length; i++) r[i] = tokens[i] < vocab ? tokens[i] : unknown;
        return r;
    }

    /** What a draft model is fed for tokens beyond its vocabulary: its unknown token, or 0 for a vocabulary without one (byte-level BPE). */
    private static int unknownOf(LanguageModel draft) {
        int unk = draft.tokenizer() != null ? draft.tokenizer().unknown() : -1;
        return unk >= 0 && unk < draft.vocabularySize() ? unk : 0;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int catchUp(int[] context, int length) {
        // beyond the draft's own context it drafts nothing, so it has nothing to catch up on
        if (length <= 1 || length >= model.contextLength()) return 0;
        return length - 1 - cachedPrefix(context, length);
    }

    /**
     * Writes the context as the draft sees it into {@code history} (the target's tokens beyond the
     * draft's vocabulary as its unknown token) and returns how much of it, short of the last token,
     * the draft's cache already holds.
     */
    private int cachedPrefix(int[] context, int length) {
        for (int i = 0; i < length; i++) history[i] = asSeen(context[i]);
        return model.commonPrefix(history, length - 1);
    }

    @Override
    public DraftProposal propose(
            int[] context,
            int length,
            int maxTokens,
            SamplingParams params,
            TokenSampler sampler,
            float minConfidence) {
        proposal.clear();
        if (maxTokens <= 0) return proposal;
        int room = model.contextLength() - length;
        maxTokens = Math.min(Math.min(maxTokens, DraftProposal.MAX_TOKENS), room);
        if (maxTokens <= 0) return proposal;
        // keep the common prefix of what the cache holds and the context; the last context token is
        // always run again so that its logits are available
        int keep = cachedPrefix(context, length);
        model.truncate(keep);
        int n = length - keep;
        model.forward(sliceFrom(history, keep, n), n, keep, catchUpRows.rows(n, logits[0]));
        float[] last = logits[0];
        int hist = length;
        for (int i = 0; i < maxTokens; i++) {
            int token;
            float conf = minConfidence > 0 ? (float) Distribution.topProbability(last, vocab) : 1f;
            if (i > 0 && conf < minConfidence) break;
            if (mode == Mode.SAMPLED && !params.isGreedy()) {
                float[] q = proposal.nextRow();
                dist.compute(last, params, history, hist, q);
                // the position is the token's index in the sequence: gumbel noise is keyed by it
                token = sampler.draw(q, vocab, hist);
                proposal.add(token, true, conf);
            } else {
                dist.compute(last, greedyVersionOf(params), history, hist, scratch);
                token = dist.argmaxOf(scratch);
                if (topModeQAsSampled) {
                    proposal.ensureRows();
                    dist.compute(last, params, history, hist, proposal.nextRow());
                }
                proposal.add(token, topModeQAsSampled, conf);
            }
            history[hist++] = token;
            if (i + 1 < maxTokens && model.cachedLength() < model.contextLength()) {
                single[0] = token;
                model.forward(single, 1, model.cachedLength(), logits);
                last = logits[0];
            } else {
                break;
            }
        }
        return proposal;
    }

    /**
     * A deliberate bug for the verifier's teeth tests: top-token drafts report the draft's sampled q
     * as if the token had been drawn from it (so the verifier uses q instead of one-hot). Off in
     * production; only a test in this package can switch it on.
     */
    boolean topModeQAsSampled;

    private final int[] single = new int[1];
    private SamplingParams lastParams, lastGreedy;

    /** The request's parameters at temperature 0, made once per request rather than per token. */
    private SamplingParams greedyVersionOf(SamplingParams p) {
        if (p.isGreedy()) return p;
        if (p != lastParams) {
            lastParams = p;
            lastGreedy = p.withTemperature(0f);
        }
        return lastGreedy;
    }

    private final dev.specdec.target.LastRowLogits catchUpRows = new dev.specdec.target.LastRowLogits();
    private int[] slice = new int[64];

    private int[] sliceFrom(int[] src, int from, int n) {
        if (slice.length < n) slice = new int[Math.max(n, 2 * slice.length)];
        System.arraycopy(src, from, slice, 0, n);
        return slice;
    }

    private AutoCloseable owned;

    /** Also closes {@code resource} (the draft's weights) when this drafter is closed. */
    public ModelDrafter owning(AutoCloseable resource) {
        this.owned = resource;
        return this;
    }

    @Override
    public void close() {
        model.close();
        if (owned != null) {
            try {
                owned.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing the draft model", e);
            }
        }
    }
}
