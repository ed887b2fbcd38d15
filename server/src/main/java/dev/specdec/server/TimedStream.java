package dev.specdec.server;

import dev.specdec.engine.TokenStream;

/** Records time to first token and inter-token latency of a request, then passes each token on. */
final class TimedStream implements TokenStream {
    private final TokenStream next;
    private final long arrivedNanos;
    private final Metrics metrics;
    private long lastNanos = -1;

    TimedStream(TokenStream next, long arrivedNanos, Metrics metrics) {
        this.next = next;
        this.arrivedNanos = arrivedNanos;
        this.metrics = metrics;
    }

    @Override
    public void onToken(int id, String text) {
        long now = System.nanoTime();
        if (lastNanos < 0) metrics.timeToFirstToken.record(now - arrivedNanos);
        else metrics.interTokenLatency.record(now - lastNanos);
        lastNanos = now;
        next.onToken(id, text);
    }

    @Override
    public void onText(String text) {
        next.onText(text);
    }
}
