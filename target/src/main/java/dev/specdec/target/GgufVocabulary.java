package dev.specdec.target;

import java.util.List;

/** Reads the {@code tokenizer.ggml.*} metadata of a GGUF file into a {@link Vocabulary}. */
public final class GgufVocabulary {
    private GgufVocabulary() {}

    public static Vocabulary tokenizer(GgufFile f) {
        String model = f.getString("tokenizer.ggml.model", null);
        if (model == null) throw new ModelFormatException(f.path(), -1, "metadata 'tokenizer.ggml.model'", "missing");
        Vocabulary.Kind kind = switch (model) {
            case "llama" -> Vocabulary.Kind.SPM;
            case "gpt2" -> Vocabulary.Kind.BPE;
            default ->
                throw new ModelFormatException(
                        f.path(),
                        -1,
                        "metadata 'tokenizer.ggml.model'",
                        "unsupported tokenizer '" + model + "' (supported: llama, gpt2)");
        };
        List<?> tokens = f.getArray("tokenizer.ggml.tokens");
        if (tokens == null || tokens.isEmpty())
            throw new ModelFormatException(f.path(), -1, "metadata 'tokenizer.ggml.tokens'", "missing or empty");
        int n = tokens.size();
        String[] text = new String[n];
        for (int i = 0; i < n; i++) {
            if (!(tokens.get(i) instanceof String s)) {
                throw new ModelFormatException(
                        f.path(), -1, "metadata 'tokenizer.ggml.tokens'", "element " + i + " is not a string");
            }
            text[i] = s.isEmpty() ? "[EMPTY_" + i + "]" : s;
        }
        float[] scores = new float[n];
        List<?> sc = f.getArray("tokenizer.ggml.scores");
        if (sc != null) {
            if (sc.size() < n)
                throw new ModelFormatException(
                        f.path(), -1, "metadata 'tokenizer.ggml.scores'", sc.size() + " scores for " + n + " tokens");
            for (int i = 0; i < n; i++) scores[i] = ((Number) sc.get(i)).floatValue();
        }
        int[] types = new int[n];
        java.util.Arrays.fill(types, Vocabulary.NORMAL);
        List<?> ty = f.getArray("tokenizer.ggml.token_type");
        if (ty != null) {
            if (ty.size() < n)
                throw new ModelFormatException(
                        f.path(),
                        -1,
                        "metadata 'tokenizer.ggml.token_type'",
                        ty.size() + " types for " + n + " tokens");
            for (int i = 0; i < n; i++) types[i] = ((Number) ty.get(i)).intValue();
        }
        List<String> merges = List.of();
        if (kind == Vocabulary.Kind.BPE) {
            List<?> m = f.getArray("tokenizer.ggml.merges");
            if (m == null)
                throw new ModelFormatException(
                        f.path(), -1, "metadata 'tokenizer.ggml.merges'", "missing for a gpt2 vocabulary");
            merges = m.stream().map(String::valueOf).toList();
        }
        int bos = id(f, "tokenizer.ggml.bos_token_id", kind == Vocabulary.Kind.SPM ? 1 : 11, n);
        int eos = id(f, "tokenizer.ggml.eos_token_id", kind == Vocabulary.Kind.SPM ? 2 : 11, n);
        int unk = id(f, "tokenizer.ggml.unknown_token_id", kind == Vocabulary.Kind.SPM ? 0 : -1, n);
        int eot = id(f, "tokenizer.ggml.eot_token_id", -1, n);
        Boolean addBos = f.has("tokenizer.ggml.add_bos_token") ? f.getBool("tokenizer.ggml.add_bos_token", true) : null;
        boolean addSpace = f.getBool("tokenizer.ggml.add_space_prefix", kind == Vocabulary.Kind.SPM);
        try {
            return new Vocabulary(
                            kind,
                            f.getString("tokenizer.ggml.pre", null),
                            text,
                            scores,
                            types,
                            merges,
                            bos,
                            eos,
                            unk,
                            eot,
                            addBos,
                            addSpace,
                            isPhi3Vocabulary(f))
                    .withChatTemplate(f.getString("tokenizer.chat_template", null));
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(f.path(), -1, "metadata 'tokenizer.ggml.pre'", e.getMessage());
        }
    }

    /**
     * Whether whitespace after special tokens is stripped the Phi-3 way. llama.cpp decides this by
     * the model's name ({@code general.name} containing "phi-3" or "phi3"), not by its architecture,
     * and the reference tokenizations follow it, so this does too: a tokenizer rule, not an
     * architecture fact (a Phi-3 vocabulary also travels in vocabulary-only and draft files).
     */
    private static boolean isPhi3Vocabulary(GgufFile f) {
        String name = f.getString("general.name", "").toLowerCase(java.util.Locale.ROOT);
        return name.contains("phi-3") || name.contains("phi3");
    }

    /** A token id key; out-of-range ids fall back to the default, as llama.cpp does. */
    private static int id(GgufFile f, String key, int dflt, int n) {
        long v = f.getLong(key, dflt);
        return v >= 0 && v < n ? (int) v : (dflt < n ? dflt : -1);
    }
}
