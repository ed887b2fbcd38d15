package dev.specdec.verifier;

/**
 * The outcome of verifying one draft: the first {@code accepted} draft tokens stand, followed by
 * {@code next} (the target's correction after a rejection, or its bonus token when all were
 * accepted). Mutable and reused, so verifying allocates nothing.
 */
public final class Verification {
    int accepted;
    int next;

    public int accepted() {
        return accepted;
    }

    public int next() {
        return next;
    }

    void set(int accepted, int next) {
        this.accepted = accepted;
        this.next = next;
    }

    @Override
    public String toString() {
        return "accepted " + accepted + ", then " + next;
    }
}
