package dev.specdec.sampling;

/**
 * Gumbel-max sampling with noise that is a pure function of (seed, absolute position, token id):
 * token j of a sequence is {@code argmax_x log p_j(x) + G(seed, j, x)}, here in its exponential-race
 * form {@code argmax_x p_j(x) / E(seed, j, x)} with E = -ln U standard exponential (the same argmax:
 * -ln E is a standard Gumbel). Because the noise does not depend on who asks, a drafter that takes
 * the same argmax over its own q and a target that takes it over p agree whenever they can, and the
 * target's choice at position j is the same whether it is reached by plain decoding or through any
 * draft (Daliri et al. 2024, "Coupling without communication and drafter-invariant speculative
 * decoding").
 *
 * <p>U comes from a counter-based generator, SplitMix64's finalizer over the triple, so that any
 * (position, token) can be read in any order without a stream to advance: no state, no allocation.
 * Only tokens with p > 0 get noise (after top-k/top-p/min-p that is a few of them).
 */
public final class GumbelNoise {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L; // SplitMix64's increment
    private static final long POSITION_GAMMA =
            0xD1B54A32D192ED03L; // another odd constant: positions and tokens never share a stride
    private static final long SEED_SALT = 0x5DEECE66DL;

    private GumbelNoise() {}

    /** The key of position j's noise: every token's uniform at j derives from it. */
    public static long positionKey(long seed, long position) {
        return mix64(mix64(seed ^ SEED_SALT) + (position + 1) * POSITION_GAMMA);
    }

    /** U(seed, j, x) in (0, 1), never 0 or 1 (so -ln U is finite and positive). */
    public static double uniform(long positionKey, int token) {
        long z = mix64(positionKey + (token + 1L) * GOLDEN);
        return ((z >>> 11) + 0.5) * 0x1.0p-53;
    }

    /**
     * The Gumbel-max draw at {@code position}: the token x among {@code probs[0..n)} with probs > 0
     * that maximizes probs[x] / E(seed, position, x) (first index on an exact tie).
     *
     * @throws IllegalArgumentException when no token has probability > 0
     */
    public static int sample(float[] probs, int n, long seed, long position) {
        long key = positionKey(seed, position);
        int best = -1;
        double bestScore = -1;
        for (int x = 0; x < n; x++) {
            float px = probs[x];
            if (px <= 0f) continue;
            double score = px / -Math.log(uniform(key, x));
            if (score > bestScore) {
                bestScore = score;
                best = x;
            }
        }
        if (best < 0) throw new IllegalArgumentException("no token has probability > 0 at position " + position);
        return best;
    }

    /** SplitMix64's output function (Steele, Lea, Flood 2014): a bijective 64-bit mixer. */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
