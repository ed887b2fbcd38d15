package dev.specdec.verifier;

import dev.specdec.sampling.GumbelNoise;

/**
 * Drafter-invariant verification: the target's token at absolute position j is the Gumbel-max of
 * p_j with noise keyed by (seed, j, token), exactly what plain decoding samples there. The draft
 * proposed the Gumbel-max of its q under the same noise, so draft tokens are accepted while they
 * equal the target's choice, and the first disagreement (or the bonus row) gives the target's own
 * choice. Each emitted token is a Gumbel-max draw from p, so the output is exact; and it does not
 * depend on the draft at all. The target's choices are computed lazily, up to the first mismatch.
 */
final class GumbelVerifier {
    private GumbelVerifier() {}

    /**
     * @param p             p[0..k] target distributions over {@code vocab} tokens
     * @param firstPosition absolute position of the token p[0] predicts (row i predicts firstPosition + i)
     */
    static void verify(int[] draft, int k, float[][] p, int vocab, long seed, long firstPosition, Verification out) {
        for (int i = 0; ; i++) {
            int chosen = GumbelNoise.sample(p[i], vocab, seed, firstPosition + i);
            if (i == k || chosen != draft[i]) {
                out.set(i, chosen);
                return;
            }
        }
    }
}
