package dev.specdec.verifier;

/**
 * Sees every verification step of a generation as it happens: what was drafted, what the target
 * made of it, and what it cost. For research (traces of p and q, acceptance by position) without
 * running the models a second time. Called on the generating thread; the {@link Step} is reused
 * for the next step, so copy what you keep.
 */
@FunctionalInterface
public interface StepObserver {
    void onStep(Step step);

    StepObserver NONE = s -> {};
}
