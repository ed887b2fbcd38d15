package dev.specdec.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specdec.sampling.SamplingParams;
import dev.specdec.target.TestData;
import dev.specdec.verifier.StopReason;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The public API end to end on the test models: exactness, concurrency, cancellation, memory budget, lifecycle. */
class EngineTest {
    static final Path TARGET = TestData.model("llama2-spm-d256-f32.gguf");
    static final Path DRAFT = TestData.model("llama2-spm-d256-q4_0.gguf");
    static final int[] PROMPT = {1, 415, 260, 338, 263, 100};

    static Engine engine(Path target, String draft) {
        Engine.Builder b = Engine.builder(target).threads(2).contextLength(256);
        if (draft.equals("ngram")) b.ngram();
        else if (!draft.equals("none")) b.draft(TestData.model(draft));
        return b.build();
    }

    static int[] prompt(Engine e) {
        int v = e.vocabularySize();
        return Arrays.stream(PROMPT).map(t -> t % v).toArray();
    }

    /** The exactness guarantee through the public API: greedy speculative == greedy plain, for every draft, k and policy. */
    @ParameterizedTest(name = "{0} drafted by {1}, {2} k={3}")
    @CsvSource({
        "llama2-spm-d256-f32.gguf, llama2-spm-d256-q4_0.gguf, fixed, 4",
        "llama2-spm-d256-f32.gguf, llama2-spm-d256-q2_k.gguf, heuristic, 8",
        "llama2-spm-d256-q8_0.gguf, llama2-spm-d256-q4_k_m.gguf, adaptive, 16",
        "llama2-spm-d256-f16.gguf, ngram, fixed, 3",
        "stories260K.gguf, stories260K.bin, confidence, 5",
        "qwen2-bpe-tiny.gguf, ngram, fixed, 1",
    })
    void greedySpeculativeEqualsGreedyPlain(String target, String draft, String policy, int k) {
        try (Engine e = engine(TestData.model(target), draft);
                Session s = e.newSession()) {
            int[] p = prompt(e);
            Request plain = Request.tokens(p)
                    .maxTokens(40)
                    .greedy()
                    .ignoreEndOfGeneration()
                    .speculation(Speculation.OFF)
                    .build();
            Speculation spec = Speculation.DEFAULT.withK(k).withPolicy(policy);
            Request fast = Request.tokens(p)
                    .maxTokens(40)
                    .greedy()
                    .ignoreEndOfGeneration()
                    .speculation(spec)
                    .build();
            Result a = s.generate(plain), b = s.generate(fast);
            assertArrayEquals(a.tokens(), b.tokens());
            assertEquals(40, b.tokens().length);
            assertTrue(b.stats().draftTokens() > 0, "it speculated");
            assertEquals(0, a.stats().draftTokens());
        }
    }

    /**
     * The API runs the verifier's own loop: a seeded sampled generation through a session equals the
     * same generation on SpeculativeDecoder directly (whose distribution tests then cover the API),
     * for sampled, top-token and n-gram drafts and every sampling parameter.
     */
    @ParameterizedTest(name = "{0}, top={1}")
    @CsvSource({"llama2-spm-d256-q4_0.gguf, false", "llama2-spm-d256-q4_0.gguf, true", "ngram, false"})
    void sampledGenerationsAreTheDecodersOwn(String draft, boolean top) {
        var sp = SamplingParams.builder()
                .temperature(0.9f)
                .topK(50)
                .topP(0.9f)
                .minP(0.02f)
                .repetitionPenalty(1.3f)
                .frequencyPenalty(0.2f)
                .presencePenalty(0.1f)
                .penaltyWindow(16)
                .logitBias(Map.of(5, -2f, 7, 1.5f))
                .seed(31)
                .build();
        Speculation spec = (draft.equals("ngram")
                        ? Speculation.DEFAULT.withDraft(Speculation.Draft.NGRAM)
                        : Speculation.DEFAULT)
                .withK(5)
                .withTopToken(top);
        // a story in the model's own style, whose words its continuation reuses, so prompt lookup
        // finds matches to draft from
        int[] prompt;
        try (Engine e = engine(TARGET, "none")) {
            prompt = e.encode("Once upon a time, there was a little girl named Lily. She liked to play in the park"
                    + " with her friends. One day, she saw a big dog. The dog was happy and wanted to play. Lily"
                    + " and the dog ran and played all day. They were very happy.");
        }
        int[] viaApi;
        try (Engine e = engine(TARGET, draft.equals("ngram") ? "none" : draft);
                Session s = e.newSession()) {
            viaApi = s.generate(Request.tokens(prompt)
                            .maxTokens(40)
                            .ignoreEndOfGeneration()
                            .sampling(sp)
                            .speculation(spec)
                            .build())
                    .tokens();
        }
        try (var w = dev.specdec.target.ModelLoader.load(TARGET);
                var t = w.newSession(256, 2, dev.specdec.target.KvCache.Type.F32)) {
            dev.specdec.draft.Drafter d;
            if (draft.equals("ngram")) {
                d = new dev.specdec.draft.PromptLookupDrafter(1, 3, dev.specdec.draft.DraftProposal.MAX_TOKENS);
            } else {
                var dw = dev.specdec.target.ModelLoader.load(TestData.model(draft));
                d = dev.specdec.draft.ModelDrafter.create(
                                dw.newSession(256, 1, dev.specdec.target.KvCache.Type.F32),
                                w.tokenizer(),
                                w.config().vocabSize(),
                                draft,
                                top
                                        ? dev.specdec.draft.ModelDrafter.Mode.TOP_TOKEN
                                        : dev.specdec.draft.ModelDrafter.Mode.SAMPLED)
                        .owning(dw);
            }
            try (d) {
                var direct = new dev.specdec.verifier.SpeculativeDecoder(t, d, new dev.specdec.draft.FixedPolicy(5))
                        .generate(
                                new dev.specdec.verifier.GenerationRequest(prompt, 40, sp, List.of(), false),
                                dev.specdec.verifier.TokenListener.NONE);
                assertArrayEquals(direct.tokens(), viaApi);
                assertTrue(direct.stats().draftTokens() > 0);
            }
        }
    }

    /** Eight sessions of one engine on eight virtual threads: each output equals its output alone (greedy and seeded sampling). */
    @Test
    void eightConcurrentSessionsGiveTheirSingleThreadedOutputs() throws Exception {
        try (Engine e = Engine.builder(TARGET)
                .draft(DRAFT)
                .threads(2)
                .contextLength(256)
                .build()) {
            List<Request> requests = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                int[] p = Arrays.copyOf(PROMPT, PROMPT.length + 1);
                p[PROMPT.length] = 100 + 37 * i;
                SamplingParams sp = i % 2 == 0
                        ? SamplingParams.greedy()
                        : SamplingParams.builder()
                                .temperature(0.9f)
                                .topK(0)
                                .topP(1f)
                                .minP(0f)
                                .repetitionPenalty(1.1f)
                                .seed(1000 + i)
                                .build();
                requests.add(Request.tokens(p)
                        .maxTokens(48)
                        .ignoreEndOfGeneration()
                        .sampling(sp)
                        .speculation(Speculation.DEFAULT.withK(1 + i % 5))
                        .build());
            }
            List<int[]> alone = new ArrayList<>();
            for (Request r : requests) {
                try (Session s = e.newSession()) {
                    alone.add(s.generate(r).tokens());
                }
            }
            CountDownLatch start = new CountDownLatch(1);
            List<Future<int[]>> futures = new ArrayList<>();
            try (ExecutorService vt = Executors.newVirtualThreadPerTaskExecutor()) {
                for (Request r : requests) {
                    futures.add(vt.submit(() -> {
                        try (Session s = e.newSession()) {
                            start.await();
                            return s.generate(r).tokens();
                        }
                    }));
                }
                start.countDown();
                long[] before = e.passCounters();
                for (int i = 0; i < 8; i++)
                    assertArrayEquals(alone.get(i), futures.get(i).get(120, TimeUnit.SECONDS), "request " + i);
                long[] after = e.passCounters();
                // the concurrent sessions' passes were combined: more sequences than passes
                assertTrue(after[1] - before[1] > after[0] - before[0], "batched: " + java.util.Arrays.toString(after));
            }
            assertEquals(0, e.openSessions());
        }
    }

    /** Cancelled mid-generation: the tokens so far are the start of the full run; it stops within a step; the session goes on normally. */
    @Test
    void cancelStopsWithinOneStepAndLeavesTheSessionUsable() throws Exception {
        int k = 4;
        try (Engine e = Engine.builder(TARGET)
                        .draft(DRAFT)
                        .threads(2)
                        .contextLength(256)
                        .speculation(Speculation.DEFAULT.withK(k))
                        .build();
                Session s = e.newSession()) {
            Request r = Request.tokens(PROMPT)
                    .maxTokens(80)
                    .greedy()
                    .ignoreEndOfGeneration()
                    .build();
            int[] full = s.generate(r).tokens();
            assertEquals(80, full.length);

            // from inside the stream (the same thread)
            AtomicInteger seen = new AtomicInteger();
            Result cut = s.generate(r, (id, text) -> {
                if (seen.incrementAndGet() == 10) s.cancel();
            });
            assertEquals(StopReason.CANCELLED, cut.finishReason());
            assertTrue(
                    cut.tokens().length >= 10 && cut.tokens().length <= 10 + k,
                    "stopped within the step: " + cut.tokens().length);
            assertArrayEquals(Arrays.copyOf(full, cut.tokens().length), cut.tokens());

            // from another thread, mid-generation: the stream holds the 5th token until the cancel has
            // been made, so the cancel lands in the generation however slow the machine
            CountDownLatch fifth = new CountDownLatch(1), cancelled = new CountDownLatch(1);
            Thread canceller = Thread.ofVirtual().start(() -> {
                try {
                    fifth.await();
                    s.cancel();
                    cancelled.countDown();
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                }
            });
            AtomicInteger n = new AtomicInteger();
            Result cut2 = s.generate(r, (id, text) -> {
                if (n.incrementAndGet() == 5) {
                    fifth.countDown();
                    try {
                        assertTrue(cancelled.await(30, TimeUnit.SECONDS));
                    } catch (InterruptedException interrupted) {
                        throw new IllegalStateException(interrupted);
                    }
                }
            });
            canceller.join();
            assertEquals(StopReason.CANCELLED, cut2.finishReason());
            assertEquals(5, cut2.tokens().length, "stopped right after the token that saw the cancel");
            assertArrayEquals(Arrays.copyOf(full, cut2.tokens().length), cut2.tokens());

            // the session generates normally afterwards, and a cancel while it is idle stops nothing later
            s.cancel();
            assertArrayEquals(full, s.generate(r).tokens());
        }
    }

    @Test
    void aSessionBeyondTheMemoryBudgetIsRefusedOrWaits() throws Exception {
        long one;
        try (Engine probe = Engine.builder(TARGET)
                .draft(DRAFT)
                .threads(1)
                .contextLength(256)
                .build()) {
            one = probe.sessionBytes();
        }
        try (Engine e = Engine.builder(TARGET)
                .draft(DRAFT)
                .threads(1)
                .contextLength(256)
                .memoryBudget(one * 3 / 2)
                .build()) {
            Session a = e.newSession();
            KvBudgetExceededException x = assertThrows(KvBudgetExceededException.class, e::newSession);
            assertTrue(
                    x.getMessage().contains("no room for another session")
                            && x.getMessage().contains("MiB"),
                    x.getMessage());
            a.close();
            e.newSession().close();
        }
        try (Engine e = Engine.builder(TARGET)
                .threads(1)
                .contextLength(256)
                .memoryBudget(1000)
                .build()) {
            KvBudgetExceededException x = assertThrows(KvBudgetExceededException.class, e::newSession);
            assertTrue(x.getMessage().contains("more than the engine's whole budget"), x.getMessage());
        }
        try (Engine e = Engine.builder(TARGET)
                .threads(1)
                .contextLength(256)
                .memoryBudget(Engine.builder(TARGET)
                                .threads(1)
                                .contextLength(256)
                                .build()
                                .sessionBytes()
                        * 3
                        / 2)
                .waitForMemory(true)
                .build()) {
            Session a = e.newSession();
            AtomicReference<Session> b = new AtomicReference<>();
            Thread waiter = Thread.ofVirtual().start(() -> b.set(e.newSession()));
            waiter.join(300);
            assertTrue(waiter.isAlive(), "the second session waits for room");
            a.close();
            waiter.join(10_000);
            assertNotNull(b.get());
            b.get().close();
        }
    }

    @Test
    void aTurnThatExtendsTheLastReusesTheCacheAndGivesTheSameText() {
        try (Engine e = engine(TARGET, "llama2-spm-d256-q4_0.gguf");
                Session s = e.newSession();
                Session fresh = e.newSession()) {
            Result first = s.generate(Request.tokens(PROMPT)
                    .maxTokens(20)
                    .greedy()
                    .ignoreEndOfGeneration()
                    .build());
            assertEquals(0, first.usage().cachedPromptTokens());
            int[] next = new int[PROMPT.length + 20 + 2];
            System.arraycopy(PROMPT, 0, next, 0, PROMPT.length);
            System.arraycopy(first.tokens(), 0, next, PROMPT.length, 20);
            next[next.length - 2] = 450;
            next[next.length - 1] = 338;
            Request second = Request.tokens(next)
                    .maxTokens(20)
                    .greedy()
                    .ignoreEndOfGeneration()
                    .build();
            Result reused = s.generate(second);
            assertTrue(
                    reused.usage().cachedPromptTokens() >= PROMPT.length + 19,
                    "reused " + reused.usage().cachedPromptTokens());
            assertArrayEquals(fresh.generate(second).tokens(), reused.tokens());
        }
    }

    @Test
    void theStepObserverSeesEveryTargetCall() {
        try (Engine e = engine(TARGET, "llama2-spm-d256-q4_0.gguf");
                Session s = e.newSession()) {
            AtomicInteger steps = new AtomicInteger(), emitted = new AtomicInteger(), drafted = new AtomicInteger();
            s.observe(step -> {
                steps.incrementAndGet();
                drafted.addAndGet(step.k());
                emitted.addAndGet(step.accepted() + 1);
                for (int i = 0; i < step.k(); i++) {
                    double p = step.targetProbability(i), q = step.draftProbability(i);
                    if (!(p >= 0 && p <= 1 && q > 0 && q <= 1)) throw new AssertionError("p " + p + " q " + q);
                }
                assertTrue(step.accepted() <= step.k());
            });
            Result r = s.generate(Request.tokens(PROMPT)
                    .maxTokens(50)
                    .ignoreEndOfGeneration()
                    .sampling(SamplingParams.temperature(1f, 7))
                    .build());
            // every target call, and first the first token's step (from the prompt's pass)
            assertEquals(r.stats().targetCalls() + 1, steps.get());
            assertEquals(r.stats().draftTokens(), drafted.get());
            assertTrue(emitted.get() >= 50, "every token came from a step");
        }
    }

    @Test
    void errorsReachTheStreamAndAreThrown() {
        try (Engine e = engine(TARGET, "none");
                Session s = e.newSession()) {
            AtomicReference<Throwable> seen = new AtomicReference<>();
            int[] tooLong = new int[300];
            Arrays.fill(tooLong, 5);
            TokenStream stream = new TokenStream() {
                @Override
                public void onToken(int id, String text) {}

                @Override
                public void onError(Throwable error) {
                    seen.set(error);
                }
            };
            IllegalArgumentException x = assertThrows(
                    IllegalArgumentException.class,
                    () -> s.generate(Request.tokens(tooLong).build(), stream));
            assertSame(x, seen.get());
            assertTrue(x.getMessage().contains("context holds 256"), x.getMessage());
            var badBias = Request.tokens(PROMPT)
                    .sampling(SamplingParams.builder()
                            .logitBias(Map.of(999_999, 1f))
                            .build())
                    .build();
            IllegalArgumentException y = assertThrows(IllegalArgumentException.class, () -> s.generate(badBias));
            assertTrue(y.getMessage().contains("999999"), y.getMessage());
            // still usable
            assertEquals(
                    5,
                    s.generate(Request.tokens(PROMPT)
                                    .maxTokens(5)
                                    .greedy()
                                    .ignoreEndOfGeneration()
                                    .build())
                            .tokens()
                            .length);
        }
    }

    @Test
    void oneSessionOnTwoThreadsAtOnceFailsFast() throws Exception {
        try (Engine e = engine(TARGET, "none");
                Session s = e.newSession()) {
            CountDownLatch inside = new CountDownLatch(1), release = new CountDownLatch(1);
            Thread t = Thread.ofVirtual()
                    .start(() -> s.generate(
                            Request.tokens(PROMPT).maxTokens(3).greedy().build(), (id, text) -> {
                                inside.countDown();
                                try {
                                    release.await();
                                } catch (InterruptedException ex) {
                                    Thread.currentThread().interrupt();
                                }
                            }));
            assertTrue(inside.await(30, TimeUnit.SECONDS));
            IllegalStateException x = assertThrows(
                    IllegalStateException.class,
                    () -> s.generate(Request.tokens(PROMPT).maxTokens(3).build()));
            assertTrue(x.getMessage().contains("already generating"), x.getMessage());
            release.countDown();
            t.join();
        }
    }

    @Test
    void lifecycleAndSettings() {
        List<String> warnings = new ArrayList<>();
        Engine e = Engine.builder(TARGET)
                .threads(1)
                .contextLength(1_000_000)
                .warnings(warnings::add)
                .build();
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.getFirst().contains("was trained for"), warnings.getFirst());
        assertTrue(e.contextLength() < 1_000_000);
        Session s = e.newSession();
        IllegalStateException x = assertThrows(IllegalStateException.class, e::close);
        assertTrue(x.getMessage().contains("1 open session"), x.getMessage());
        s.close();
        s.close(); // idempotent
        e.close();
        assertThrows(IllegalStateException.class, e::newSession);
        assertThrows(
                IllegalArgumentException.class,
                () -> Engine.builder(TARGET)
                        .draft(TestData.model("qwen2-bpe-tiny.gguf"))
                        .build());
        assertThrows(IllegalArgumentException.class, () -> Speculation.DEFAULT.withK(65));
        assertThrows(IllegalArgumentException.class, () -> Speculation.DEFAULT.withPolicy("fastest"));
    }

    @Test
    void textPromptsAndStopStrings() {
        try (Engine e = engine(TestData.model("stories260K.gguf"), "ngram");
                Session s = e.newSession()) {
            StringBuilder streamed = new StringBuilder();
            Result r = s.generate(
                    Request.text("Once upon a time")
                            .maxTokens(60)
                            .greedy()
                            .stop(".")
                            .build(),
                    new TokenStream() {
                        @Override
                        public void onToken(int id, String text) {
                            streamed.append(text);
                        }

                        @Override
                        public void onText(String text) {
                            streamed.append(text);
                        }
                    });
            assertEquals(r.text(), streamed.toString());
            if (r.finishReason() == StopReason.STOP_STRING) assertTrue(!r.text().contains("."));
            assertEquals(
                    r.usage().promptTokens() + r.usage().completionTokens(),
                    r.usage().totalTokens());
        }
    }

    /** The pool gives a prompt the session that holds its start, and takes an idle one over rather than run out of memory. */
    @Test
    void theSessionPoolReusesPrefixesAndStaysInTheBudget() {
        long one;
        try (Engine probe = Engine.builder(TARGET).threads(1).contextLength(256).build()) {
            one = probe.sessionBytes();
        }
        try (Engine e = Engine.builder(TARGET)
                        .threads(1)
                        .contextLength(256)
                        .memoryBudget(one * 5 / 2)
                        .build();
                SessionPool pool = new SessionPool(e, Integer.MAX_VALUE)) {
            int[] a = {1, 415, 260, 338}, b = {1, 100, 200, 300};
            Session sa = pool.take(a), sb = pool.take(b);
            sa.generate(Request.tokens(a).maxTokens(3).greedy().build());
            sb.generate(Request.tokens(b).maxTokens(3).greedy().build());
            pool.giveBack(sa);
            pool.giveBack(sb);
            Session first = pool.take(new int[] {1, 100, 200, 300, 7});
            assertSame(sb, first, "the session whose cache holds the prompt's start");
            // two sessions fill the budget: an unrelated prompt takes the idle one over instead of failing
            Session second = pool.take(new int[] {1, 9, 9});
            assertSame(sa, second);
            assertEquals(2, pool.open());
            pool.giveBack(first);
            pool.giveBack(second);
        }
    }
}
