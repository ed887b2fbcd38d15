package dev.specdec.server;

import java.time.Duration;

/**
 * How the server listens and what it allows.
 *
 * @param host           the address to bind (loopback by default: exposing a model is the operator's decision)
 * @param port           the port (0: any free one, for tests)
 * @param maxSessions    generations running at once; also the most sessions (KV caches) kept
 * @param queue          requests that may wait for a running slot; more get 429
 * @param apiKey         the bearer token every API call must carry, or null for none
 * @param requestTimeout how long a request may take in all, queueing included; then it is cancelled
 * @param maxBodyBytes   larger request bodies get 413
 * @param shutdownGrace  how long a shutdown lets running requests finish before cancelling them
 * @param modelId        the id /v1/models lists and requests may name (null: the target's file name)
 * @param seed           the sampling seed of requests without one, or null for a fresh random seed per request
 */
public record ServerConfig(
        String host,
        int port,
        int maxSessions,
        int queue,
        String apiKey,
        Duration requestTimeout,
        long maxBodyBytes,
        Duration shutdownGrace,
        String modelId,
        Long seed) {
    public static final int DEFAULT_PORT = 8080;
    public static final int DEFAULT_MAX_SESSIONS = 4;
    public static final int DEFAULT_QUEUE = 64;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);
    /** Long chats fit; a runaway upload does not. */
    public static final long DEFAULT_MAX_BODY = 4L << 20;

    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(10);

    public ServerConfig {
        if (host == null || host.isBlank()) throw new IllegalArgumentException("the host to bind is empty");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be 0..65535, got " + port);
        if (maxSessions < 1) throw new IllegalArgumentException("max sessions must be >= 1, got " + maxSessions);
        if (queue < 0) throw new IllegalArgumentException("queue must be >= 0, got " + queue);
        if (apiKey != null && apiKey.isBlank()) throw new IllegalArgumentException("the API key is empty");
        if (requestTimeout == null || requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("the request timeout must be > 0, got " + requestTimeout);
        }
        if (maxBodyBytes < 1) throw new IllegalArgumentException("max body bytes must be >= 1, got " + maxBodyBytes);
        if (shutdownGrace == null || shutdownGrace.isNegative())
            throw new IllegalArgumentException("the shutdown grace must be >= 0, got " + shutdownGrace);
    }

    /** Loopback, port 8080, the defaults above. */
    public static ServerConfig defaults() {
        return new ServerConfig(
                "127.0.0.1",
                DEFAULT_PORT,
                DEFAULT_MAX_SESSIONS,
                DEFAULT_QUEUE,
                null,
                DEFAULT_TIMEOUT,
                DEFAULT_MAX_BODY,
                DEFAULT_SHUTDOWN_GRACE,
                null,
                null);
    }

    public ServerConfig withPort(int p) {
        return new ServerConfig(
                host, p, maxSessions, queue, apiKey, requestTimeout, maxBodyBytes, shutdownGrace, modelId, seed);
    }

    public ServerConfig withHost(String h) {
        return new ServerConfig(
                h, port, maxSessions, queue, apiKey, requestTimeout, maxBodyBytes, shutdownGrace, modelId, seed);
    }

    public ServerConfig withLimits(int sessions, int q) {
        return new ServerConfig(
                host, port, sessions, q, apiKey, requestTimeout, maxBodyBytes, shutdownGrace, modelId, seed);
    }

    public ServerConfig withApiKey(String k) {
        return new ServerConfig(
                host, port, maxSessions, queue, k, requestTimeout, maxBodyBytes, shutdownGrace, modelId, seed);
    }

    public ServerConfig withRequestTimeout(Duration d) {
        return new ServerConfig(host, port, maxSessions, queue, apiKey, d, maxBodyBytes, shutdownGrace, modelId, seed);
    }

    public ServerConfig withMaxBodyBytes(long b) {
        return new ServerConfig(
                host, port, maxSessions, queue, apiKey, requestTimeout, b, shutdownGrace, modelId, seed);
    }

    public ServerConfig withShutdownGrace(Duration d) {
        return new ServerConfig(host, port, maxSessions, queue, apiKey, requestTimeout, maxBodyBytes, d, modelId, seed);
    }

    public ServerConfig withModelId(String id) {
        return new ServerConfig(
                host, port, maxSessions, queue, apiKey, requestTimeout, maxBodyBytes, shutdownGrace, id, seed);
    }

    public ServerConfig withSeed(Long s) {
        return new ServerConfig(
                host, port, maxSessions, queue, apiKey, requestTimeout, maxBodyBytes, shutdownGrace, modelId, s);
    }
}
