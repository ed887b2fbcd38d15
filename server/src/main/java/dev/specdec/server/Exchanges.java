package dev.specdec.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Reading requests and writing JSON, text and error responses on an {@link HttpExchange}. */
final class Exchanges {
    private Exchanges() {}

    /** The request body, refused with 413 when it is longer than {@code limit} (by its Content-Length, or as read). */
    static byte[] readBody(HttpExchange ex, long limit) throws IOException {
        String declared = ex.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            try {
                long n = Long.parseLong(declared.trim());
                if (n > limit) throw tooLarge(n + " bytes", limit);
            } catch (NumberFormatException e) {
                throw new ApiException(
                        400,
                        "invalid_request_error",
                        null,
                        "invalid_header",
                        "Content-Length is not a number: '" + declared + "'",
                        0);
            }
        }
        try (InputStream in = ex.getRequestBody()) {
            byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
            if (body.length > limit) throw tooLarge("more than " + limit + " bytes", limit);
            return body;
        }
    }

    private static ApiException tooLarge(String size, long limit) {
        return new ApiException(
                413,
                "invalid_request_error",
                null,
                "request_too_large",
                "the request body is " + size + "; this server accepts at most " + limit + " bytes",
                0);
    }

    static void sendJson(HttpExchange ex, int status, JsonNode body) throws IOException {
        send(ex, status, "application/json", Json.MAPPER.writeValueAsBytes(body));
    }

    static void sendText(HttpExchange ex, int status, String contentType, String text) throws IOException {
        send(ex, status, contentType, text.getBytes(StandardCharsets.UTF_8));
    }

    /** The OpenAI error body, with Retry-After when the error says when to come back. Nothing when a response already began. */
    static void sendError(HttpExchange ex, ApiException e) throws IOException {
        if (ex.getResponseCode() != -1) return; // headers went out (a stream): the caller reports in the stream
        if (e.retryAfter() > 0) ex.getResponseHeaders().set("Retry-After", Integer.toString(e.retryAfter()));
        if (e.status() == 401) ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
        sendJson(ex, e.status(), errorBody(e));
    }

    static ObjectNode errorBody(ApiException e) {
        ObjectNode root = Json.object();
        ObjectNode err = root.putObject("error").put("message", e.getMessage()).put("type", e.type());
        if (e.param() != null) err.put("param", e.param());
        else err.putNull("param");
        if (e.code() != null) err.put("code", e.code());
        else err.putNull("code");
        return root;
    }

    private static void send(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
