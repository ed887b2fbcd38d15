package dev.specdec.server;

/**
 * A request the server answers with an OpenAI-style error body instead of a completion:
 * {@code {"error": {"message", "type", "param", "code"}}} with an HTTP status.
 *
 * @param status     the HTTP status
 * @param type       OpenAI's error type (invalid_request_error, rate_limit_error, ...)
 * @param param      the request field at fault, or null
 * @param code       a short machine-readable code, or null
 * @param retryAfter seconds for a Retry-After header, or 0 for none
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String type, param, code;
    private final int retryAfter;

    public ApiException(int status, String type, String param, String code, String message, int retryAfter) {
        super(message, null, false, false); // an answer to the client, not a failure: no stack trace
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
        this.retryAfter = retryAfter;
    }

    /** 400: a field has the wrong type or an out-of-range value. */
    public static ApiException invalid(String param, String message) {
        return new ApiException(400, "invalid_request_error", param, "invalid_value", message, 0);
    }

    /** 429 or 503: the server is full now; come back in {@code retryAfter} seconds. */
    public static ApiException busy(int status, String code, String message, int retryAfter) {
        return new ApiException(
                status, status == 429 ? "rate_limit_error" : "server_error", null, code, message, retryAfter);
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String param() {
        return param;
    }

    public String code() {
        return code;
    }

    public int retryAfter() {
        return retryAfter;
    }
}
