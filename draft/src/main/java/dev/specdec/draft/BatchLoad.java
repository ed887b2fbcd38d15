package dev.specdec.draft;

/**
 * What a {@link BatchAwarePolicy} needs to know of the batch its generation runs in: how many
 * sequences generate now, and what a pass of b rows costs as measured on the batched passes
 * themselves (nanoseconds; NaN while no pass of about that size has run).
 */
public interface BatchLoad {
    /** Sequences generating now, this one included (1 when alone). */
    double sequences();

    /** Measured nanoseconds of a target pass over {@code rows} rows (of any number of sequences), or NaN. */
    double targetPassNanos(int rows);

    /** Measured nanoseconds of a draft-model pass over {@code rows} rows, or NaN (or 0 for a draft without passes). */
    double draftPassNanos(int rows);
}
