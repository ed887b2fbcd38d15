package dev.specdec.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.specdec.engine.Engine;
import dev.specdec.engine.SessionPool;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * An OpenAI-compatible HTTP server on an {@link Engine}: /v1/chat/completions, /v1/completions,
 * /v1/models, /health and /metrics. The JDK's HttpServer with one virtual thread per exchange: a
 * generation blocks its thread for its whole length, which costs a virtual thread nothing, and no
 * server library is needed. The engine stays the caller's (close it after the server).
 *
 * <pre>{@code
 * try (Engine engine = Engine.builder(model).build();
 *      SpecdecServer server = SpecdecServer.start(engine, ServerConfig.defaults())) {
 *     System.out.println("serving " + server.modelId() + " at " + server.baseUri());
 *     ...   // until it is time to stop: close() finishes or cancels what runs
 * }
 * }</pre>
 */
public final class SpecdecServer implements AutoCloseable {
    private final Engine engine;
    private final ServerConfig config;
    private final String modelId;
    private final HttpServer http;
    private final ExecutorService exchanges = Executors.newVirtualThreadPerTaskExecutor();
    private final ScheduledThreadPoolExecutor timers;
    private final Admission admission;
    private final SessionPool pool;
    private final Inflight inflight = new Inflight();
    private final Metrics metrics;
    private final long startedAt = Instant.now().getEpochSecond();
    private final Object stopLock = new Object();
    private boolean stopped;

    private SpecdecServer(Engine engine, ServerConfig config) throws IOException {
        this.engine = engine;
        this.config = config;
        long need = config.maxSessions() * engine.sessionBytes();
        if (need > engine.memoryBudget()) {
            throw new IllegalArgumentException(String.format(
                    Locale.ROOT,
                    "%d sessions (--max-sessions) need %.1f MiB of KV cache and buffers "
                            + "(%.1f MiB each) but the engine's memory budget is %.1f MiB: lower --max-sessions or --ctx, or give the JVM more heap (-Xmx)",
                    config.maxSessions(),
                    mib(need),
                    mib(engine.sessionBytes()),
                    mib(engine.memoryBudget())));
        }
        this.modelId = config.modelId() != null
                ? config.modelId()
                : engine.targetFile().getFileName().toString();
        this.admission = new Admission(config.maxSessions(), config.queue());
        this.pool = new SessionPool(engine, config.maxSessions());
        this.metrics = new Metrics(admission::running, admission::waiting, pool::open);
        this.timers = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "specdec-request-timeouts");
            t.setDaemon(true);
            return t;
        });
        timers.setRemoveOnCancelPolicy(true); // a finished request's timer must not linger until its deadline
        CompletionHandler completions = new CompletionHandler(
                new RequestParser(engine, modelId, config.seed()),
                admission,
                pool,
                inflight,
                metrics,
                timers,
                config,
                modelId);
        this.http = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 0);
        http.setExecutor(exchanges);
        String key = config.apiKey();
        http.createContext(
                "/v1/chat/completions",
                new Route("POST", "/v1/chat/completions", key, metrics, ex -> completions.handle(ex, Format.CHAT)));
        http.createContext(
                "/v1/completions",
                new Route("POST", "/v1/completions", key, metrics, ex -> completions.handle(ex, Format.TEXT)));
        http.createContext(
                "/v1/models",
                new Route("GET", "/v1/models", key, metrics, ex -> Exchanges.sendJson(ex, 200, models())));
        // health and metrics are for the operator's probes and scrapers, which carry no API key
        http.createContext(
                "/health",
                new Route(
                        "GET",
                        "/health",
                        null,
                        metrics,
                        ex -> Exchanges.sendJson(
                                ex,
                                inflight.draining() ? 503 : 200,
                                Json.object().put("status", inflight.draining() ? "shutting down" : "ok"))));
        http.createContext(
                "/metrics",
                new Route(
                        "GET",
                        "/metrics",
                        null,
                        metrics,
                        ex -> Exchanges.sendText(
                                ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.prometheus())));
        http.createContext("/", new Route("GET", "/", key, metrics, ex -> Exchanges.sendJson(ex, 200, models())));
    }

    /** Binds and starts serving. */
    public static SpecdecServer start(Engine engine, ServerConfig config) throws IOException {
        SpecdecServer s = new SpecdecServer(engine, config);
        s.http.start();
        return s;
    }

    private ObjectNode models() {
        ObjectNode root = Json.object().put("object", "list");
        ObjectNode m = root.putArray("data")
                .addObject()
                .put("id", modelId)
                .put("object", "model")
                .put("created", startedAt)
                .put("owned_by", "specdec");
        m.put("context_length", engine.contextLength());
        return root;
    }

    /** The port it listens on (the one chosen when the configuration said 0). */
    public int port() {
        return http.getAddress().getPort();
    }

    /** http://HOST:PORT, for clients. */
    public URI baseUri() {
        String host = http.getAddress().getAddress().isAnyLocalAddress()
                ? "127.0.0.1"
                : http.getAddress().getHostString();
        return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port());
    }

    /** The model id of /v1/models (what requests may name). */
    public String modelId() {
        return modelId;
    }

    public ServerConfig config() {
        return config;
    }

    /**
     * Stops taking requests (new ones get 503), lets running ones finish for up to {@code grace},
     * cancels the rest (each stops within one step and its client is told), then closes the
     * listener and the idle sessions. Safe to call more than once.
     */
    public void shutdown(Duration grace) {
        synchronized (stopLock) {
            if (stopped) return;
            stopped = true;
        }
        inflight.drain();
        awaitRequests(System.nanoTime() + grace.toNanos());
        inflight.cancelAll();
        awaitRequests(System.nanoTime()
                + TimeUnit.SECONDS.toNanos(10)); // cancelled ones end within a step; the queued get 503
        http.stop(0);
        exchanges.shutdown();
        timers.shutdownNow();
        pool.close();
    }

    private void awaitRequests(long deadlineNanos) {
        while (inflight.requests() > 0 && System.nanoTime() < deadlineNanos) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** {@link #shutdown} with the configured grace. */
    @Override
    public void close() {
        shutdown(config.shutdownGrace());
    }

    private static double mib(long bytes) {
        return bytes / (1024.0 * 1024);
    }
}
