package dev.specdec.draft;

import dev.specdec.sampling.SamplingParams;
import dev.specdec.sampling.TokenSampler;

/**
 * Prompt lookup (n-gram) drafting: find the most recent earlier occurrence of the context's last
 * n tokens (n from {@code maxN} down to {@code minN}) and propose what followed it. Deterministic,
 * so q is one-hot; strong when the output copies from the prompt (summaries, edits, code).
 */
public final class PromptLookupDrafter implements Drafter {
    private final int minN, maxN, maxLookahead;
    private final DraftProposal proposal = new DraftProposal(0, false);

    public PromptLookupDrafter(int minN, int maxN, int maxLookahead) {
        if (minN < 1 || maxN < minN)
            throw new IllegalArgumentException("n-gram range must satisfy 1 <= min <= max, got " + minN + ".." + maxN);
        if (maxLookahead < 1 || maxLookahead > DraftProposal.MAX_TOKENS) {
            throw new IllegalArgumentException(
                    "lookahead must be in 1.." + DraftProposal.MAX_TOKENS + ", got " + maxLookahead);
        }
        this.minN = minN;
        this.maxN = maxN;
        this.maxLookahead = maxLookahead;
    }

    public PromptLookupDrafter() {
        this(1, 3, DraftProposal.MAX_TOKENS);
    }

    @Override
    public String name() {
        return "ngram";
    }

    @Override
    public DraftProposal propose(
            int[] context,
            int length,
            int maxTokens,
            SamplingParams params,
            TokenSampler sampler,
            float minConfidence) {
        proposal.clear();
        int limit = Math.min(maxTokens, maxLookahead);
        for (int n = Math.min(maxN, length - 1); n >= minN; n--) {
            int match = lastOccurrence(context, length, n);
            if (match < 0) continue;
            for (int j = match + n; j < length && proposal.count() < limit; j++) proposal.add(context[j], false, 1f);
            return proposal;
        }
        return proposal;
    }

    /** Start of the latest earlier occurrence of the last n tokens, or -1. */
    private static int lastOccurrence(int[] c, int length, int n) {
        int suffix = length - n;
        outer:
        for (int s = suffix - 1; s >= 0; s--) {
            for (int j = 0; j < n; j++) if (c[s + j] != c[suffix + j]) continue outer;
            return s;
        }
        return -1;
    }
}
