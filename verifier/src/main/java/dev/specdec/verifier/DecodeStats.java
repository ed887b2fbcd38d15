package dev.specdec.verifier;

import dev.specdec.draft.DraftProposal;
import java.util.Arrays;

/**
 * What a generation did: drafting, acceptance (overall, per draft position, accepted-length
 * histogram), target calls, and where the time went. The first token comes from the prompt's pass
 * (its logits after the last prompt token): it belongs to the prompt, like the time to it, and the
 * steps, target calls and rates here are those of decoding, the tokens after it.
 */
public final class DecodeStats {
    private long draftTokens, acceptedTokens, targetCalls, generatedTokens, promptTokens, cachedPromptTokens;
    private final long[] proposedAt = new long[DraftProposal.MAX_TOKENS];
    private final long[] acceptedAt = new long[DraftProposal.MAX_TOKENS];
    private final long[] acceptedLengthHistogram = new long[DraftProposal.MAX_TOKENS + 1];
    private long draftNanos, targetNanos, verifyNanos, promptNanos, totalNanos, firstTokenNanos = -1;

    void step(int proposed, int accepted) {
        targetCalls++;
        draftTokens += proposed;
        acceptedTokens += accepted;
        for (int i = 0; i < proposed; i++) proposedAt[i]++;
        for (int i = 0; i < accepted; i++) acceptedAt[i]++;
        if (proposed > 0) acceptedLengthHistogram[accepted]++;
    }

    void addDraftNanos(long n) {
        draftNanos += n;
    }

    void addTargetNanos(long n) {
        targetNanos += n;
    }

    void addVerifyNanos(long n) {
        verifyNanos += n;
    }

    void prompt(int tokens, int cached, long nanos) {
        promptTokens = tokens;
        cachedPromptTokens = cached;
        promptNanos = nanos;
    }

    void generated(long n) {
        generatedTokens += n;
    }

    void firstToken(long nanos) {
        if (firstTokenNanos < 0) firstTokenNanos = nanos;
    }

    void total(long nanos) {
        totalNanos = nanos;
    }

    public long draftTokens() {
        return draftTokens;
    }

    public long acceptedTokens() {
        return acceptedTokens;
    }

    public long targetCalls() {
        return targetCalls;
    }

    public long generatedTokens() {
        return generatedTokens;
    }

    public long promptTokens() {
        return promptTokens;
    }

    /** Prompt tokens found already in the target's KV cache (an earlier turn's), not computed again. */
    public long cachedPromptTokens() {
        return cachedPromptTokens;
    }

    /** Accepted / proposed draft tokens (0 when nothing was drafted). */
    public double acceptanceRate() {
        return draftTokens == 0 ? 0 : (double) acceptedTokens / draftTokens;
    }

    /** Mean number of draft tokens accepted per verification that had a draft. */
    public double meanAcceptedLength() {
        long steps = 0, sum = 0;
        for (int a = 0; a < acceptedLengthHistogram.length; a++) {
            steps += acceptedLengthHistogram[a];
            sum += (long) a * acceptedLengthHistogram[a];
        }
        return steps == 0 ? 0 : (double) sum / steps;
    }

    /** Tokens after the first (which the prompt's pass gives): what the decode steps made. */
    public long decodeTokens() {
        return Math.max(0, generatedTokens - 1);
    }

    /** Decode tokens per target call (1 for plain decoding). */
    public double tokensPerTargetCall() {
        return targetCalls == 0 ? 0 : (double) decodeTokens() / targetCalls;
    }

    /** Acceptance at draft position i: accepted there / proposed there. Length = deepest position used. */
    public double[] perPositionAcceptance() {
        int n = 0;
        while (n < proposedAt.length && proposedAt[n] > 0) n++;
        double[] r = new double[n];
        for (int i = 0; i < n; i++) r[i] = (double) acceptedAt[i] / proposedAt[i];
        return r;
    }

    /** Draft tokens proposed at each draft position (index 0 = first draft token). */
    public long[] proposedAtPosition() {
        int n = 0;
        while (n < proposedAt.length && proposedAt[n] > 0) n++;
        return Arrays.copyOf(proposedAt, n);
    }

    /** Draft tokens accepted at each draft position. */
    public long[] acceptedAtPosition() {
        return Arrays.copyOf(acceptedAt, proposedAtPosition().length);
    }

    /** histogram[a] = verifications in which exactly a draft tokens were accepted. */
    public long[] acceptedLengthHistogram() {
        int n = acceptedLengthHistogram.length;
        while (n > 1 && acceptedLengthHistogram[n - 1] == 0) n--;
        return Arrays.copyOf(acceptedLengthHistogram, n);
    }

    public long draftNanos() {
        return draftNanos;
    }

    public long targetNanos() {
        return targetNanos;
    }

    public long verifyNanos() {
        return verifyNanos;
    }

    public long promptNanos() {
        return promptNanos;
    }

    public long totalNanos() {
        return totalNanos;
    }

    public long timeToFirstTokenNanos() {
        return firstTokenNanos;
    }

    /** Decode tokens per second: the tokens after the first over the time after it. */
    public double tokensPerSecond() {
        long decode = totalNanos - firstTokenNanos;
        return firstTokenNanos < 0 || decode <= 0 ? 0 : decodeTokens() * 1e9 / decode;
    }

    @Override
    public String toString() {
        return String.format(
                "%d tokens, %.2f tok/s; %d target calls (%.2f tokens/call); drafted %d, accepted %d (%.1f%%), mean accepted length %.2f; time draft %.0f ms, target %.0f ms, verify %.0f ms",
                generatedTokens,
                tokensPerSecond(),
                targetCalls,
                tokensPerTargetCall(),
                draftTokens,
                acceptedTokens,
                100 * acceptanceRate(),
                meanAcceptedLength(),
                draftNanos / 1e6,
                targetNanos / 1e6,
                verifyNanos / 1e6);
    }
}
