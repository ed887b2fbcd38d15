package dev.specdec.verifier;

/**
 * Sees every verification step of a generation as it happens: what was drafted, what the target
 * made of it, and what it cost. For research (traces of p and q, acceptance by position) without
 * running the models a second time. Called on the generating thread; the {@link Step} is reused
 * for the next step, so copy what you keep. The first step of a generation is the first token,
 * taken from the prompt's pass: no drafts, no target call of its own (times 0); every later step
 * is one target call.
 */
@FunctionalInterface
public interface StepObserver {
    void onStep(Step step);

    StepObserver NONE = s -> {};
}
