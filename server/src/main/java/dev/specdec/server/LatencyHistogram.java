package dev.specdec.server;

import org.HdrHistogram.Histogram;

/**
 * Latencies in an HdrHistogram (microseconds, 2 significant digits, up to an hour) plus their exact
 * sum, exported as a Prometheus histogram with fixed bucket bounds. Recording takes a short lock:
 * a few per token, far below the cost of a token.
 */
final class LatencyHistogram {
    private static final long MAX_MICROS = 3_600_000_000L;

    private final Histogram histogram = new Histogram(MAX_MICROS, 2);
    private final double[] bounds; // seconds, ascending
    private long sumNanos;

    LatencyHistogram(double... boundsSeconds) {
        this.bounds = boundsSeconds.clone();
    }

    synchronized void record(long nanos) {
        long n = Math.max(0, nanos);
        histogram.recordValue(Math.min(MAX_MICROS, n / 1000));
        sumNanos += n;
    }

    /** Cumulative counts at each bound, then the total count; and the sum in seconds. */
    record Snapshot(double[] bounds, long[] cumulative, long count, double sumSeconds) {}

    synchronized Snapshot snapshot() {
        long[] cumulative = new long[bounds.length];
        long count = histogram.getTotalCount();
        for (int i = 0; i < bounds.length; i++) {
            cumulative[i] = count == 0 ? 0 : histogram.getCountBetweenValues(0, (long) (bounds[i] * 1e6));
        }
        return new Snapshot(bounds, cumulative, count, sumNanos / 1e9);
    }

    /** The value at a percentile (0..100), in seconds; 0 when empty. */
    synchronized double percentileSeconds(double p) {
        return histogram.getTotalCount() == 0 ? 0 : histogram.getValueAtPercentile(p) / 1e6;
    }
}
