package dev.specdec.target;

import java.util.Arrays;

/**
 * The {@code logitsOut} rows for a {@link LanguageModel#forward} over n tokens of which only the
 * last one's logits are wanted (a prompt, a draft catching up): every other row null, so the model
 * skips their output layer. The array is reused and grows with the longest pass, so a caller that
 * keeps one allocates nothing per token.
 */
public final class LastRowLogits {
    private float[][] rows = new float[1][];

    /** Rows for n tokens: row n - 1 is {@code last}, the rest null. */
    public float[][] rows(int n, float[] last) {
        if (rows.length < n) rows = new float[Math.max(n, 2 * rows.length)][];
        Arrays.fill(rows, null);
        rows[n - 1] = last;
        return rows;
    }
}
