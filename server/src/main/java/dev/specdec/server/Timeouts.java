package dev.specdec.server;

/** The answers for a request that ran out of time (one wording, wherever it ran out). */
final class Timeouts {
    private Timeouts() {}

    static ApiException whileQueued() {
        return new ApiException(
                504,
                "timeout_error",
                null,
                "timeout",
                "the request timed out waiting for a free slot (the server's request timeout); retry later",
                Admission.RETRY_AFTER_SECONDS);
    }

    static ApiException whileGenerating(int tokens) {
        return new ApiException(
                504,
                "timeout_error",
                null,
                "timeout",
                "the request timed out after " + tokens
                        + " generated tokens (the server's request timeout) and was cancelled; "
                        + "ask for fewer max_tokens",
                0);
    }
}
