package dev.specdec.sampling;

import java.util.random.RandomGenerator;

/**
 * How a token is drawn from a distribution at an absolute position of the sequence. Rejection and
 * block verification draw by inverse CDF from the request's generator; drafter-invariant (gumbel)
 * verification takes the Gumbel-max with noise keyed by (seed, position, token), which the target
 * reproduces for its own p. Made once per request.
 */
public sealed interface TokenSampler permits TokenSampler.InverseCdf, TokenSampler.GumbelMax {

    /** A token drawn from {@code probs[0..n)} for sequence position {@code position}. */
    int draw(float[] probs, int n, int position);

    /** One uniform from the request's generator per draw: the position does not matter. */
    record InverseCdf(RandomGenerator rng) implements TokenSampler {
        @Override
        public int draw(float[] probs, int n, int position) {
            return Distribution.inverseCdf(probs, n, rng.nextDouble());
        }
    }

    /** {@link GumbelNoise#sample}: a pure function of (probs, seed, position). */
    record GumbelMax(long seed) implements TokenSampler {
        @Override
        public int draw(float[] probs, int n, int position) {
            return GumbelNoise.sample(probs, n, seed, position);
        }
    }
}
