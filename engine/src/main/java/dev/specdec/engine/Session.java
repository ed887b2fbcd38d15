package dev.specdec.engine;

import dev.specdec.draft.BatchAwarePolicy;
import dev.specdec.draft.CostModel;
import dev.specdec.draft.DraftLengthPolicy;
import dev.specdec.draft.Drafter;
import dev.specdec.draft.ModelDrafter;
import dev.specdec.draft.PromptLookupDrafter;
import dev.specdec.sampling.SamplingParams;
import dev.specdec.target.LanguageModel;
import dev.specdec.target.Tokenizer;
import dev.specdec.verifier.GenerationRequest;
import dev.specdec.verifier.GenerationResult;
import dev.specdec.verifier.SpeculativeDecoder;
import dev.specdec.verifier.StepObserver;
import dev.specdec.verifier.TokenListener;
import dev.specdec.verifier.VerifyMode;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One conversation on an {@link Engine}: the target's and the draft's KV caches and the
 * draft-length policy, kept across turns, so a turn that repeats the earlier ones as its prompt
 * (a chat) computes only what is new.
 *
 * <p>Not thread-safe: one generation at a time (a second concurrent call fails at once with an
 * {@link IllegalStateException}). {@link #cancel()} is the exception: call it from any thread.
 * Sessions of one engine may run on different threads at the same time. Close it to give its
 * memory back to the engine's budget.
 */
public final class Session implements AutoCloseable {
    /** The drafter a generation uses, each with its own decoder (their buffers are sized once). */
    private enum DraftKind {
        NONE,
        NGRAM,
        MODEL_SAMPLED,
        MODEL_TOP
    }

    private final Engine engine;
    private final long reservedBytes;
    private final LanguageModel target;
    private final LanguageModel draftModel; // null without a draft model
    private final SpeculativeDecoder[][] decoders =
            new SpeculativeDecoder[DraftKind.values().length][VerifyMode.values().length];
    private final Map<DraftKind, Speculation> policySettings = new EnumMap<>(DraftKind.class);
    private final AtomicBoolean busy = new AtomicBoolean();
    // cancel() stops the generation in progress, never a later one: it names the generation it stops
    private volatile long generation, cancelledGeneration = -1;
    private final java.util.function.BooleanSupplier cancelledNow = () -> cancelledGeneration == generation;
    private StepObserver observer = StepObserver.NONE;
    private boolean closed;

    Session(Engine engine, long reservedBytes) {
        this.engine = engine;
        this.reservedBytes = reservedBytes;
        LanguageModel t = engine.openTarget();
        try {
            this.draftModel = engine.openDraft();
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
        this.target = t;
    }

    /** Generates and returns the result, ignoring the stream of tokens. */
    public Result generate(Request request) {
        return generate(request, TokenStream.NONE);
    }

    /**
     * Generates, passing each token to {@code stream} as it is committed. Returns when the
     * generation ends (max tokens, end of generation, a stop string, a full context, or a cancel).
     *
     * @throws IllegalArgumentException for a request this model cannot run (an empty or too long
     *                                  prompt, a logit bias outside the vocabulary, ...); it reaches
     *                                  {@link TokenStream#onError} first
     */
    public Result generate(Request request, TokenStream stream) {
        if (closed) throw new IllegalStateException("the session is closed");
        if (!busy.compareAndSet(false, true)) {
            throw new IllegalStateException(
                    "this session is already generating on another thread: a session runs one generation at a time "
                            + "(open one session per concurrent conversation)");
        }
        generation++;
        engine.generating(1);
        try {
            Result r = run(request, stream);
            stream.onComplete(r);
            return r;
        } catch (RuntimeException | Error e) {
            stream.onError(e);
            throw e;
        } finally {
            engine.generating(-1);
            busy.set(false);
        }
    }

    private Result run(Request request, TokenStream stream) {
        SamplingParams sampling = request.sampling() != null ? request.sampling() : engine.sampling();
        if (request.sampling() != null) Engine.checkLogitBias(sampling, engine.targetWeights());
        int[] prompt = promptOf(request);
        Speculation spec = request.speculation() != null ? request.speculation() : engine.speculation();
        DraftKind kind = kindOf(spec);
        SpeculativeDecoder decoder = decoder(kind, spec.verify());
        // the session's policy keeps learning across turns while its settings stay; a request with
        // its own settings gets a fresh one, so its k choices do not depend on earlier requests
        if (kind != DraftKind.NONE && (request.speculation() != null || !spec.equals(policySettings.get(kind)))) {
            decoder.policy(policy(spec, kind));
            policySettings.put(kind, request.speculation() != null ? null : spec);
        }
        decoder.observe(observer);
        GenerationResult g = decoder.generate(
                new GenerationRequest(
                        prompt, request.maxTokens(), sampling, request.stop(), request.stopAtEndOfGeneration()),
                new TokenListener() {
                    @Override
                    public void onToken(int token, String text) {
                        stream.onToken(token, text);
                    }

                    @Override
                    public void onText(String text) {
                        stream.onText(text);
                    }
                },
                cancelledNow);
        return new Result(
                g.text(),
                g.tokens(),
                g.stopReason(),
                new Usage(prompt.length, (int) g.stats().cachedPromptTokens(), g.tokens().length),
                g.stats(),
                sampling.seed());
    }

    private int[] promptOf(Request r) {
        if (r.tokenIds() != null) return r.tokenIds();
        Tokenizer tok = engine.requireTokenizer();
        if (r.messages() != null) return Chat.promptIds(tok, r.messages());
        int[] ids = tok.encode(r.text(), r.addBos(), false);
        if (ids.length == 0)
            throw new IllegalArgumentException("the prompt is empty: the text gave no tokens (and no BOS was added)");
        return ids;
    }

    private DraftKind kindOf(Speculation s) {
        return switch (s.draft()) {
            case OFF -> DraftKind.NONE;
            case NGRAM -> DraftKind.NGRAM;
            case DEFAULT ->
                draftModel != null
                        ? (s.topToken() ? DraftKind.MODEL_TOP : DraftKind.MODEL_SAMPLED)
                        : engine.ngramByDefault() ? DraftKind.NGRAM : DraftKind.NONE;
        };
    }

    private SpeculativeDecoder decoder(DraftKind kind, VerifyMode mode) {
        SpeculativeDecoder d = decoders[kind.ordinal()][mode.ordinal()];
        if (d == null)
            d = decoders[kind.ordinal()][mode.ordinal()] = new SpeculativeDecoder(target, drafter(kind), null, mode);
        return d;
    }

    private Drafter drafter(DraftKind kind) {
        return switch (kind) {
            case NONE -> null;
            case NGRAM ->
                new PromptLookupDrafter(
                        engine.ngramMin(), engine.ngramMax(), dev.specdec.draft.DraftProposal.MAX_TOKENS);
            case MODEL_SAMPLED, MODEL_TOP ->
                ModelDrafter.create(
                        draftModel,
                        target.tokenizer(),
                        target.vocabularySize(),
                        engine.draftFile().getFileName().toString(),
                        kind == DraftKind.MODEL_TOP ? ModelDrafter.Mode.TOP_TOKEN : ModelDrafter.Mode.SAMPLED);
        };
    }

    private DraftLengthPolicy policy(Speculation s, DraftKind kind) {
        CostModel costs = engine.costModel();
        if (kind == DraftKind.NGRAM) costs = new CostModel(costs.pass(), 0.01); // lookup is nearly free
        DraftLengthPolicy p = DraftLengthPolicy.named(s.policy(), s.k(), costs);
        // batched with other sessions, draft rows are no longer nearly free: back off as the cost curve says
        return engine.backsOffInBatches() ? new BatchAwarePolicy(p, costs, engine.load()) : p;
    }

    /**
     * Stops the generation running on this session within one step (from any thread); it returns
     * with finish reason CANCELLED and the tokens made so far. The session stays usable. A cancel
     * while no generation runs does nothing: it never stops a later generation.
     */
    public void cancel() {
        if (busy.get()) cancelledGeneration = generation;
    }

    /** Sees every verification step of the following generations (null: none); see {@link StepObserver}. */
    public void observe(StepObserver o) {
        observer = o != null ? o : StepObserver.NONE;
    }

    /** Starts the draft-length policies afresh (the next generation's k choices do not depend on earlier ones). */
    public void resetPolicy() {
        policySettings.clear();
    }

    /** Tokens the target's KV cache holds (what the next turn can reuse). */
    public int cachedTokens() {
        return target.cachedLength();
    }

    /** The target model of this session, for research tools that run it directly (its passes take turns like generations). */
    public LanguageModel targetModel() {
        return target;
    }

    /** The draft model of this session, or null without one. */
    public LanguageModel draftModel() {
        return draftModel;
    }

    public Engine engine() {
        return engine;
    }

    @Override
    public void close() {
        if (closed) return;
        if (busy.get())
            throw new IllegalStateException(
                    "the session is generating: cancel it and let generate return before closing");
        closed = true;
        try {
            if (draftModel != null) draftModel.close();
        } finally {
            target.close();
            engine.released(reservedBytes);
        }
    }
}
