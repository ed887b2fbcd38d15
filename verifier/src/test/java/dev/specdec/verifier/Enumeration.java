package dev.specdec.verifier;

import dev.specdec.sampling.Distribution;
import dev.specdec.sampling.SamplingParams;
import dev.specdec.target.KvCache;
import dev.specdec.target.ModelWeights;
import dev.specdec.target.StreamingDetokenizer;
import dev.specdec.target.Tokenizer;
import dev.specdec.target.Transformer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The target's exact distribution over the first {@code length} tokens a generation emits, by
 * enumeration: the target runs on every prefix of the support (with top-k / top-p / min-p that is a
 * few dozen prefixes), each p computed by the same {@link Distribution} code the decoder uses, with
 * the prefix in the penalty history. A sequence ends early where the decoder would stop: at an
 * end-of-generation token (not emitted) or at the token whose text completes a stop string.
 */
final class Enumeration {
    private Enumeration() {}

    /** Key of an emitted prefix: the token ids, in order. */
    static String key(int[] tokens, int length) {
        return Arrays.toString(Arrays.copyOf(tokens, Math.min(length, tokens.length)));
    }

    /** Exact probabilities by sequence key (insertion order: depth first). */
    static Map<String, Double> exact(
            ModelWeights w, int[] prompt, SamplingParams sp, int length, boolean stopAtEos, String stop) {
        Map<String, Double> out = new LinkedHashMap<>();
        try (Transformer t = w.newSession(prompt.length + length + 1, 1, KvCache.Type.F32)) {
            expand(
                    t,
                    w.tokenizer(),
                    new Distribution(w.config().vocabSize()),
                    prompt,
                    new ArrayList<>(),
                    1.0,
                    sp,
                    length,
                    stopAtEos,
                    stop,
                    out);
        }
        return out;
    }

    private static void expand(
            Transformer t,
            Tokenizer tok,
            Distribution dist,
            int[] prompt,
            List<Integer> prefix,
            double prob,
            SamplingParams sp,
            int length,
            boolean stopAtEos,
            String stop,
            Map<String, Double> out) {
        int vocab = dist.vocab();
        int n = prompt.length + prefix.size();
        int[] full = Arrays.copyOf(prompt, n);
        for (int i = 0; i < prefix.size(); i++) full[prompt.length + i] = prefix.get(i);
        float[][] rows = new float[n][];
        rows[n - 1] = new float[vocab];
        t.truncate(0);
        t.forward(full, n, 0, rows);
        float[] p = new float[vocab];
        dist.compute(rows[n - 1], sp, full, n, p);
        for (int x = 0; x < vocab; x++) {
            if (p[x] <= 0f) continue;
            double px = prob * p[x];
            if (stopAtEos && tok.isEndOfGeneration(x)) {
                out.merge(prefix.toString(), px, Double::sum);
                continue;
            }
            List<Integer> next = new ArrayList<>(prefix);
            next.add(x);
            if (next.size() == length || (stop != null && textOf(tok, next).contains(stop))) {
                out.merge(next.toString(), px, Double::sum);
            } else {
                expand(t, tok, dist, prompt, next, px, sp, length, stopAtEos, stop, out);
            }
        }
    }

    /** The text the decoder streams for these tokens (the same streaming detokenizer). */
    static String textOf(Tokenizer tok, List<Integer> tokens) {
        StreamingDetokenizer d = new StreamingDetokenizer(tok, false);
        StringBuilder sb = new StringBuilder();
        for (int x : tokens) sb.append(d.accept(x));
        return sb.toString();
    }

    /** Whether a sequence key repeats a token. */
    static boolean repeats(String key) {
        String[] ids = key.substring(1, key.length() - 1).split(", ");
        for (int i = 0; i < ids.length; i++)
            for (int j = 0; j < i; j++) if (!ids[i].isEmpty() && ids[i].equals(ids[j])) return true;
        return false;
    }
}
