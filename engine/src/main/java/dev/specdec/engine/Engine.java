package dev.specdec.engine;

import dev.specdec.draft.CostModel;
import dev.specdec.draft.ModelDrafter;
import dev.specdec.kernels.ComputePool;
import dev.specdec.kernels.cuda.Cuda;
import dev.specdec.sampling.SamplingParams;
import dev.specdec.target.CudaTransformer;
import dev.specdec.target.KvCache;
import dev.specdec.target.LanguageModel;
import dev.specdec.target.LoadOptions;
import dev.specdec.target.ModelLoader;
import dev.specdec.target.ModelWeights;
import dev.specdec.target.Tokenizer;
import dev.specdec.verifier.SpeculativeDecoder;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * A loaded target model (and draft), ready to generate: the entry point for embedding specdec.
 *
 * <pre>{@code
 * try (Engine engine = Engine.builder(Path.of("target.gguf")).draft(Path.of("draft.gguf")).build();
 *      Session session = engine.newSession()) {
 *     Result r = session.generate(Request.text("Once upon a time").maxTokens(64).greedy().build());
 *     System.out.println(r.text() + "\n" + r.stats());
 * }
 * }</pre>
 *
 * <p>Thread-safe: one engine serves any number of {@link Session}s on any threads. It owns the
 * memory-mapped weights, ONE compute pool (sessions take turns on it pass by pass, so concurrent
 * generations interleave step by step and each gets exactly the output it would get alone), the
 * measured cost profile the adaptive policy reads, and a memory budget for the sessions' KV caches
 * (a session that does not fit is refused, or waits, as built; never an OutOfMemoryError).
 * Close every session before the engine.
 */
public final class Engine implements AutoCloseable {
    /** Context length when the builder does not give one (or the model's, when shorter). */
    public static final int DEFAULT_CONTEXT = 4096;

    /** Where a model runs. */
    public enum Device {
        CPU,
        CUDA,
        /** CUDA when a usable GPU is present, else the CPU. */
        AUTO;

        static Device parse(String name) {
            for (Device d : values()) if (d.name().equalsIgnoreCase(name)) return d;
            throw new IllegalArgumentException("device must be cpu, cuda or auto, not '" + name + "'");
        }
    }

    private final Path targetFile, draftFile;
    private final ModelWeights target, draft;
    private final boolean ngram;
    private final Device device, draftDevice;
    private final ComputePool pool;
    // CPU sessions: their passes batched together
    private final PassCombiner combiner = new PassCombiner(() -> this.generating.get());
    private final ReentrantLock turns = new ReentrantLock(true); // GPU sessions: fair turns, pass by pass
    private final int threads, contextLength, draftContextLength;
    private final KvCache.Type kvType;
    private final SamplingParams sampling;
    private final Speculation speculation;
    private final int ngramMin, ngramMax;
    private final CostModel costs;
    private final KvBudget budget;
    private final long sessionBytes;
    private final boolean batching, backOff;
    private volatile boolean closed;

    private Engine(Builder b) {
        this.targetFile = b.target;
        this.draftFile = b.draftModel;
        this.ngram = b.ngram;
        this.device = b.device;
        this.draftDevice = b.draftDevice != null ? b.draftDevice : b.device;
        this.kvType = b.kvType;
        this.ngramMin = b.ngramMin;
        this.ngramMax = b.ngramMax;
        this.batching = b.batching;
        this.backOff = b.backOff;
        int t = threadsFor(b.threads);
        if (b.threads > t)
            b.warnings.accept("threads " + b.threads + " is more than the " + t + " cores available; using " + t);
        this.threads = t;
        LoadOptions lo = new LoadOptions(b.tokenizer, b.checkTensors, t);
        ModelWeights tw = ModelLoader.load(b.target, lo);
        ModelWeights dw = null;
        ComputePool p = null;
        try {
            int trained = tw.config().contextLength();
            if (b.contextLength > trained) {
                b.warnings.accept("context " + b.contextLength + " is above the " + trained + " tokens "
                        + b.target.getFileName() + " was trained for; using " + trained);
            }
            this.contextLength = Math.min(b.contextLength > 0 ? b.contextLength : DEFAULT_CONTEXT, trained);
            if (b.draftModel != null) {
                dw = ModelLoader.load(b.draftModel, lo);
                ModelDrafter.checkVocabulary(
                        dw.tokenizer(),
                        dw.config().vocabSize(),
                        tw.tokenizer(),
                        tw.config().vocabSize(),
                        b.draftModel.getFileName().toString());
            }
            this.draftContextLength =
                    dw == null ? 0 : Math.min(contextLength, dw.config().contextLength());
            if (device == Device.CUDA || draftDevice == Device.CUDA) {
                var st = Cuda.probe();
                if (!st.available()) throw new IllegalArgumentException("device cuda: " + st.reason());
            }
            SamplingParams s =
                    b.sampling != null ? b.sampling : SamplingParams.builder().build();
            if (s.logitBias() != null) checkLogitBias(s, tw);
            this.sampling = s;
            this.speculation = b.speculation != null
                    ? b.speculation
                    : dw != null || b.ngram ? Speculation.DEFAULT : Speculation.OFF;
            this.costs = CostProfiles.load(b.target, b.draftModel, t);
            p = new ComputePool(t);
            long bytes = tw.sessionBytes(contextLength, kvType)
                    + SpeculativeDecoder.bufferBytes(tw.config().vocabSize(), contextLength);
            if (dw != null) {
                bytes += dw.sessionBytes(draftContextLength, kvType)
                        + 2 * ModelDrafter.bufferBytes(dw.config().vocabSize(), draftContextLength);
            }
            this.sessionBytes = bytes;
            long limit = b.kvBudget > 0 ? b.kvBudget : defaultBudget();
            this.budget = new KvBudget(limit, b.waitForBudget ? KvBudget.WhenFull.WAIT : KvBudget.WhenFull.REFUSE);
        } catch (RuntimeException e) {
            if (p != null) p.close();
            if (dw != null) dw.close();
            tw.close();
            throw e;
        }
        this.target = tw;
        this.draft = dw;
        this.pool = p;
        combiner.track(tw, dw, costs::passCost);
    }

    /**
     * The compute threads an engine uses when asked for {@code requested} (0: every core): at most
     * one per core (more only contend: 1000 threads on 2 cores made 8 tokens take 52 s).
     */
    public static int threadsFor(int requested) {
        int cores = Runtime.getRuntime().availableProcessors();
        return requested > 0 ? Math.min(requested, cores) : cores;
    }

    /** 70% of the heap the JVM may still grow to: the rest is for the JVM, the caller and the per-request buffers. */
    private static long defaultBudget() {
        Runtime rt = Runtime.getRuntime();
        long used = rt.totalMemory() - rt.freeMemory();
        return Math.max(1, (long) ((rt.maxMemory() - used) * 0.7));
    }

    static void checkLogitBias(SamplingParams s, ModelWeights w) {
        int n = w.config().vocabSize();
        for (int id : s.logitBias().keySet()) {
            if (id < 0 || id >= n) {
                throw new IllegalArgumentException("logit bias: token id " + id + " is not in the vocabulary of "
                        + w.source().getFileName() + " (ids 0.." + (n - 1) + ")");
            }
        }
    }

    public static Builder builder(Path target) {
        return new Builder(target);
    }

    /**
     * A new conversation with its own KV caches. Refused with {@link KvBudgetExceededException} when
     * its caches do not fit in the budget (or, when the engine was built to wait, blocks until they do).
     */
    public Session newSession() {
        if (closed) throw new IllegalStateException("the engine is closed");
        budget.reserve(sessionBytes);
        try {
            return new Session(this, sessionBytes);
        } catch (RuntimeException | Error e) {
            budget.release(sessionBytes);
            throw e;
        }
    }

    /** One generation on a session of its own (opened and closed around it). */
    public Result generate(Request request) {
        try (Session s = newSession()) {
            return s.generate(request);
        }
    }

    // --- what sessions are built from -------------------------------------------------------

    LanguageModel openTarget() {
        return openTargetModel(contextLength);
    }

    /**
     * A bare model of the target on the engine's device and pool, with its own KV cache of
     * {@code contextLength} tokens (at most the model's), for tools that run passes themselves
     * (benchmarks, logit dumps, traces). Outside the memory budget; the caller closes it.
     */
    public LanguageModel openTargetModel(int contextLength) {
        if (closed) throw new IllegalStateException("the engine is closed");
        if (contextLength < 1) throw new IllegalArgumentException("context length must be >= 1, got " + contextLength);
        return open(target, device, Math.min(contextLength, target.config().contextLength()));
    }

    /** The draft model's session, or null without a draft model. */
    LanguageModel openDraft() {
        return draft == null ? null : open(draft, draftDevice, draftContextLength);
    }

    private LanguageModel open(ModelWeights w, Device d, int ctx) {
        boolean cuda = d == Device.CUDA || (d == Device.AUTO && Cuda.probe().available());
        if (cuda) return new TakingTurns(new CudaTransformer(w, ctx), turns);
        return batching
                ? new BatchedModel(w.newSession(ctx, pool, kvType), combiner)
                : new TakingTurns(w.newSession(ctx, pool, kvType), turns);
    }

    void released(long bytes) {
        budget.release(bytes);
    }

    int ngramMin() {
        return ngramMin;
    }

    int ngramMax() {
        return ngramMax;
    }

    boolean ngramByDefault() {
        return ngram;
    }
    /** The target's loaded weights (configuration, tensors, vocabulary), for research tools; owned by the engine. */
    public ModelWeights targetWeights() {
        return target;
    }

    /** The draft model's weights, or null. */
    public ModelWeights draftWeights() {
        return draft;
    }

    /** The cost model the adaptive policy uses (the saved profile of these files on this machine, or the prior). */
    public CostModel costModel() {
        return costs;
    }

    // --- what callers may ask ---------------------------------------------------------------

    /** The target's vocabulary and tokenizer (null for a llama2.c checkpoint loaded without tokenizer.bin). */
    public Tokenizer tokenizer() {
        return target.tokenizer();
    }

    public int vocabularySize() {
        return target.config().vocabSize();
    }

    /** Tokens a session's context holds (prompt plus generated). */
    public int contextLength() {
        return contextLength;
    }

    public int threads() {
        return threads;
    }

    public Path targetFile() {
        return targetFile;
    }

    /** The draft model's file, or null. */
    public Path draftFile() {
        return draftFile;
    }

    /** The default sampling parameters of requests that give none. */
    public SamplingParams sampling() {
        return sampling;
    }

    /** The default speculation of sessions. */
    public Speculation speculation() {
        return speculation;
    }

    /** Bytes each session reserves from the budget, and the budget. */
    public long sessionBytes() {
        return sessionBytes;
    }

    public long memoryBudget() {
        return budget.limit();
    }

    /**
     * How the sessions' passes were batched so far: passes run, sequences in them, rows in them
     * (sequences / passes is the mean number of sessions per pass).
     */
    public long[] passCounters() {
        return combiner.counters();
    }

    private final java.util.concurrent.atomic.AtomicInteger generating =
            new java.util.concurrent.atomic.AtomicInteger();

    /** The batch as a batch-aware policy sees it: sessions generating now and the measured pass times. */
    private final dev.specdec.draft.BatchLoad load = new dev.specdec.draft.BatchLoad() {
        @Override
        public double sequences() {
            return Math.max(1, generating.get());
        }

        @Override
        public double targetPassNanos(int rows) {
            return combiner.targetTimes().nanos(rows);
        }

        @Override
        public double draftPassNanos(int rows) {
            return draft == null ? 0 : combiner.draftTimes().nanos(rows);
        }
    };

    dev.specdec.draft.BatchLoad load() {
        return load;
    }

    /** A session starts (+1) or ends (-1) a generation. */
    void generating(int delta) {
        generating.addAndGet(delta);
    }

    /** Whether sessions' draft-length policies back off as the batch grows ({@link Builder#backOffInBatches}). */
    boolean backsOffInBatches() {
        return batching && backOff;
    }

    /** Sessions open now. */
    public int openSessions() {
        return budget.sessions();
    }

    /** Token ids of a text (with BOS where the vocabulary wants one). */
    public int[] encode(String text) {
        return requireTokenizer().encode(text, true, false);
    }

    public String decode(int... ids) {
        return requireTokenizer().decode(ids);
    }

    Tokenizer requireTokenizer() {
        Tokenizer t = target.tokenizer();
        if (t == null) {
            throw new IllegalArgumentException(targetFile
                    + " has no vocabulary: build the engine with tokenizer(tokenizer.bin) or give token ids");
        }
        return t;
    }

    /** Closes the weights and the pool; every session must be closed first. */
    @Override
    public void close() {
        if (closed) return;
        int open = budget.sessions();
        if (open > 0)
            throw new IllegalStateException(
                    "the engine still has " + open + " open session(s): close them before the engine");
        closed = true;
        pool.close();
        try {
            if (draft != null) draft.close();
        } finally {
            target.close();
        }
    }

    @Override
    public String toString() {
        return "Engine[" + targetFile.getFileName()
                + (draftFile != null ? " + draft " + draftFile.getFileName() : ngram ? " + ngram" : "") + ", "
                + device.name().toLowerCase(Locale.ROOT) + ", " + threads + " threads, context " + contextLength + "]";
    }

    /** Builds an {@link Engine}; only the target is required. */
    public static final class Builder {
        private final Path target;
        private Path draftModel, tokenizer;
        private boolean ngram, checkTensors, waitForBudget, batching = true, backOff;
        private Device device = Device.CPU, draftDevice;
        private int threads, contextLength, ngramMin = 1, ngramMax = 3;
        private KvCache.Type kvType = KvCache.Type.F32;
        private SamplingParams sampling;
        private Speculation speculation;
        private long kvBudget;
        private Consumer<String> warnings =
                message -> System.getLogger("dev.specdec.engine").log(System.Logger.Level.WARNING, message);

        private Builder(Path target) {
            this.target = Objects.requireNonNull(target, "target model path");
        }

        /** A draft model (GGUF or llama2.c .bin) whose vocabulary matches the target's. */
        public Builder draft(Path file) {
            draftModel = file;
            ngram = false;
            return this;
        }

        /** Prompt lookup (n-gram) drafting instead of a draft model. */
        public Builder ngram() {
            ngram = true;
            draftModel = null;
            return this;
        }

        /** Prompt lookup's shortest and longest n-gram (default 1 and 3). */
        public Builder ngramRange(int min, int max) {
            if (min < 1 || max < min)
                throw new IllegalArgumentException(
                        "n-gram range must satisfy 1 <= min <= max, got " + min + ".." + max);
            ngramMin = min;
            ngramMax = max;
            return this;
        }

        /** Where the target runs (default CPU); the draft runs there too unless {@link #draftDevice} says otherwise. */
        public Builder device(Device d) {
            device = Objects.requireNonNull(d);
            return this;
        }

        public Builder device(String name) {
            return device(Device.parse(name));
        }

        public Builder draftDevice(Device d) {
            draftDevice = d;
            return this;
        }

        public Builder draftDevice(String name) {
            return draftDevice(name == null ? null : Device.parse(name));
        }

        /** Compute threads, at most one per core (default: every core). */
        public Builder threads(int n) {
            if (n < 1) throw new IllegalArgumentException("threads must be >= 1, got " + n);
            threads = n;
            return this;
        }

        /** Tokens per session (default 4096, or the model's when shorter); above the model's it is cut to that, with a warning. */
        public Builder contextLength(int n) {
            if (n < 1) throw new IllegalArgumentException("context length must be >= 1, got " + n);
            contextLength = n;
            return this;
        }

        /** KV cache element type (default F32; F16 halves the memory). */
        public Builder kvType(KvCache.Type t) {
            kvType = Objects.requireNonNull(t);
            return this;
        }

        /** llama2.c tokenizer.bin, for .bin checkpoints when text is involved. */
        public Builder tokenizer(Path file) {
            tokenizer = file;
            return this;
        }

        /** Check every weight for NaN and Inf while loading (reads each file once: a slower start). */
        public Builder checkTensors(boolean check) {
            checkTensors = check;
            return this;
        }

        /** Sampling parameters of requests that give none (default: {@link SamplingParams#builder()}'s). */
        public Builder sampling(SamplingParams p) {
            sampling = p;
            return this;
        }

        /** Speculation of sessions (default: k = 4, fixed policy, with the draft given; off without one). */
        public Builder speculation(Speculation s) {
            speculation = s;
            return this;
        }

        /** Bytes all sessions' KV caches and buffers may hold together (default: 70% of the free heap). */
        public Builder memoryBudget(long bytes) {
            if (bytes < 1) throw new IllegalArgumentException("memory budget must be >= 1 byte, got " + bytes);
            kvBudget = bytes;
            return this;
        }

        /** When a new session does not fit: wait for room (true) or refuse it at once (false, the default). */
        public Builder waitForMemory(boolean wait) {
            waitForBudget = wait;
            return this;
        }

        /**
         * Whether concurrent CPU sessions' passes are combined into multi-sequence passes (default
         * true); false makes them take turns pass by pass (for measuring what batching gives).
         * Either way each session's output is the same.
         */
        public Builder batching(boolean on) {
            batching = on;
            return this;
        }

        /**
         * Whether a session drafts fewer tokens, down to none, when the sessions batched with it make
         * draft rows cost more than they give (the cost profile's b-row curve; {@code BatchAwarePolicy}).
         * Default false: k then depends on what else runs, so a seeded request under rejection
         * sampling may get another text under load (drafter-invariant verification keeps it). The
         * server turns it on.
         */
        public Builder backOffInBatches(boolean on) {
            backOff = on;
            return this;
        }

        /** Where warnings go (a clamped context or thread count); default: System.Logger "dev.specdec.engine". */
        public Builder warnings(Consumer<String> sink) {
            warnings = Objects.requireNonNull(sink);
            return this;
        }

        /** Loads the models (memory-mapped) and checks that they fit together. */
        public Engine build() {
            return new Engine(this);
        }
    }
}
