package dev.specdec.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * One endpoint: checks the method, the path and the API key, runs the handler, and turns what it
 * throws into an OpenAI error body (a bug becomes a one-line 500, its stack trace goes to the log,
 * never to the client).
 */
final class Route implements HttpHandler {
    private static final System.Logger LOG = System.getLogger("dev.specdec.server");

    /** What an endpoint does with an exchange whose method, path and key were checked. */
    @FunctionalInterface
    interface Handler {
        void handle(HttpExchange ex) throws IOException;
    }

    private final String method, path;
    private final byte[] apiKey; // null: no key needed
    private final Handler handler;
    private final Metrics metrics;

    Route(String method, String path, String apiKey, Metrics metrics, Handler handler) {
        this.method = method;
        this.path = path;
        this.apiKey = apiKey == null ? null : ("Bearer " + apiKey).getBytes(StandardCharsets.UTF_8);
        this.metrics = metrics;
        this.handler = handler;
    }

    @Override
    public void handle(HttpExchange ex) {
        try (ex) {
            try {
                // contexts match by prefix; an endpoint answers its own path only
                if (!ex.getRequestURI().getPath().equals(path)) {
                    throw new ApiException(
                            404,
                            "invalid_request_error",
                            null,
                            "not_found",
                            "no endpoint " + ex.getRequestURI().getPath(),
                            0);
                }
                if (!ex.getRequestMethod().equals(method)) {
                    ex.getResponseHeaders().set("Allow", method);
                    throw new ApiException(
                            405,
                            "invalid_request_error",
                            null,
                            "method_not_allowed",
                            path + " takes " + method + ", not " + ex.getRequestMethod(),
                            0);
                }
                if (apiKey != null && !authorized(ex)) {
                    throw new ApiException(
                            401,
                            "invalid_request_error",
                            null,
                            "invalid_api_key",
                            "a valid API key is required: send it as 'Authorization: Bearer KEY'",
                            0);
                }
                handler.handle(ex);
            } catch (ApiException e) {
                metrics.failed(e.code());
                Exchanges.sendError(ex, e);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "request " + ex.getRequestMethod() + " " + path + " failed", e);
                metrics.failed("internal_error");
                Exchanges.sendError(
                        ex,
                        new ApiException(
                                500,
                                "server_error",
                                null,
                                "internal_error",
                                "the server failed on this request: "
                                        + e.getClass().getSimpleName() + ": " + e.getMessage(),
                                0));
            }
        } catch (IOException e) {
            // the client went away while we wrote: nobody is left to tell
        }
    }

    private boolean authorized(HttpExchange ex) {
        String given = ex.getRequestHeaders().getFirst("Authorization");
        // constant time: the comparison must not tell how much of a guessed key was right
        return given != null && MessageDigest.isEqual(given.trim().getBytes(StandardCharsets.UTF_8), apiKey);
    }
}
