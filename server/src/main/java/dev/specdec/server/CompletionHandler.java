package dev.specdec.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.specdec.engine.KvBudgetExceededException;
import dev.specdec.engine.Result;
import dev.specdec.engine.Session;
import dev.specdec.engine.SessionPool;
import dev.specdec.engine.TokenStream;
import java.io.IOException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * POST /v1/chat/completions and /v1/completions: parse, wait for a slot, take a session, generate
 * (streamed or whole), answer, give the session back.
 */
final class CompletionHandler {
    private final RequestParser parser;
    private final Admission admission;
    private final SessionPool pool;
    private final Inflight inflight;
    private final Metrics metrics;
    private final ScheduledExecutorService timers;
    private final ServerConfig config;
    private final String modelId;

    CompletionHandler(
            RequestParser parser,
            Admission admission,
            SessionPool pool,
            Inflight inflight,
            Metrics metrics,
            ScheduledExecutorService timers,
            ServerConfig config,
            String modelId) {
        this.parser = parser;
        this.admission = admission;
        this.pool = pool;
        this.inflight = inflight;
        this.metrics = metrics;
        this.timers = timers;
        this.config = config;
        this.modelId = modelId;
    }

    void handle(HttpExchange ex, Format format) throws IOException {
        long arrived = System.nanoTime();
        inflight.requestStarted();
        try {
            inflight.checkOpen();
            ApiRequest request = parser.parse(Exchanges.readBody(ex, config.maxBodyBytes()), format);
            long deadline = arrived + config.requestTimeout().toNanos();
            try (Admission.Slot slot = admission.enter(deadline)) {
                inflight.checkOpen();
                Session session = take(request.prompt());
                Generation g = new Generation(session);
                inflight.started(g);
                ScheduledFuture<?> timer = timers.schedule(
                        () -> g.cancel(Generation.Cancel.TIMEOUT), deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                boolean reusable = false;
                try {
                    Envelope envelope = Envelope.of(format, modelId);
                    if (request.stream()) streamed(ex, request, session, g, envelope, arrived);
                    else whole(ex, request, session, g, envelope, arrived);
                    reusable = true;
                } finally {
                    g.finished();
                    timer.cancel(false);
                    inflight.ended(g);
                    // a cancelled generation leaves its session as usable as a finished one (a cancel
                    // never reaches a later generation), so only a failure costs the session
                    if (reusable || g.cancelled() != null) pool.giveBack(session);
                    else pool.discard(session);
                }
            }
        } finally {
            inflight.requestEnded();
        }
    }

    private Session take(int[] prompt) {
        try {
            return pool.take(prompt);
        } catch (KvBudgetExceededException e) {
            throw ApiException.busy(
                    503,
                    "kv_budget_full",
                    "no memory for another session right now (" + e.getMessage() + ")",
                    Admission.RETRY_AFTER_SECONDS);
        }
    }

    private void whole(
            HttpExchange ex, ApiRequest request, Session session, Generation g, Envelope envelope, long arrived)
            throws IOException {
        Result r = generate(session, request, new TimedStream(TokenStream.NONE, arrived, metrics));
        Generation.Cancel cancelled = g.cancelled();
        if (cancelled != null) {
            metrics.completed(r, null);
            throw cancelledError(cancelled, r);
        }
        String finish = Format.finishReason(r.finishReason());
        metrics.completed(r, finish);
        metrics.requestLatency.record(System.nanoTime() - arrived);
        ObjectNode body = envelope.response(envelope.format().choice(r.text(), finish));
        body.set("usage", Format.usage(r));
        body.set("speculative", Format.speculative(r));
        Exchanges.sendJson(ex, 200, body);
    }

    private void streamed(
            HttpExchange ex, ApiRequest request, Session session, Generation g, Envelope envelope, long arrived)
            throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        ex.sendResponseHeaders(200, 0); // chunked
        SseStream sse = new SseStream(ex.getResponseBody(), envelope, g);
        ObjectNode first = envelope.format().firstChunkChoice();
        if (first != null) sse.send(envelope.chunk(first));
        Result r;
        try {
            r = generate(session, request, new TimedStream(sse, arrived, metrics));
        } catch (ApiException e) { // headers are out: the error goes into the stream, as OpenAI's streams carry them
            metrics.failed(e.code());
            sse.send(Exchanges.errorBody(e));
            sse.done();
            return;
        }
        Generation.Cancel cancelled = g.cancelled();
        if (cancelled != null) {
            metrics.completed(r, null);
            ApiException e = cancelledError(cancelled, r);
            metrics.failed(e.code());
            sse.send(Exchanges.errorBody(e)); // nothing is written to a client that left
            sse.done();
            return;
        }
        String finish = Format.finishReason(r.finishReason());
        metrics.completed(r, finish);
        metrics.requestLatency.record(System.nanoTime() - arrived);
        ObjectNode last = envelope.chunk(envelope.format().chunkChoice(null, finish));
        if (request.includeUsage()) {
            sse.send(last);
            last = envelope.usageChunk();
            last.set("usage", Format.usage(r));
        }
        last.set("speculative", Format.speculative(r)); // the statistics ride on the last chunk
        sse.send(last);
        sse.done();
    }

    /** A generation's failure the client caused (a request this model cannot run) is a 400; anything else is the server's. */
    private static Result generate(Session session, ApiRequest request, TokenStream stream) {
        try {
            return session.generate(request.toEngineRequest(), stream);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(null, e.getMessage());
        }
    }

    private static ApiException cancelledError(Generation.Cancel why, Result r) {
        return switch (why) {
            case TIMEOUT -> Timeouts.whileGenerating(r.usage().completionTokens());
            case SHUTDOWN ->
                ApiException.busy(
                        503,
                        "shutting_down",
                        "the server is shutting down; the request was cancelled after "
                                + r.usage().completionTokens() + " tokens",
                        Admission.RETRY_AFTER_SECONDS);
            case DISCONNECTED ->
                new ApiException(499, "invalid_request_error", null, "client_disconnected", "the client went away", 0);
        };
    }
}
