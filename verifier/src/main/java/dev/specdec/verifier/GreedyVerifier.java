package dev.specdec.verifier;

/**
 * Temperature 0: accept draft tokens while each equals the target's argmax at its position; the
 * token after is the target's argmax where they first differ (or after the last draft token).
 * With batch-invariant logits this reproduces plain greedy decoding token for token.
 */
public final class GreedyVerifier {
    private GreedyVerifier() {}

    /**
     * @param draft   draft tokens d_0..d_{k-1}
     * @param targetArgmax argmax of the target at positions 0..k (position i predicts d_i)
     */
    public static void verify(int[] draft, int k, int[] targetArgmax, Verification out) {
        int a = 0;
        while (a < k && draft[a] == targetArgmax[a]) a++;
        out.set(a, targetArgmax[a]);
    }
}
