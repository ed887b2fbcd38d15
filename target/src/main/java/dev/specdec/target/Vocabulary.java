package dev.specdec.target;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A vocabulary and its tokenizer, reproducing llama.cpp's: SentencePiece-style BPE with scores and
 * byte fallback ({@code tokenizer.ggml.model = llama}), or GPT-2 byte-level BPE with merges and a
 * pre-tokenizer regex ({@code gpt2}). Special tokens are split off first: user-defined ones always,
 * control ones only when parse_special is asked for.
 */
public final class Vocabulary implements Tokenizer {
    public enum Kind {
        SPM,
        BPE
    }

    // llama.cpp token types
    static final int NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5, BYTE = 6;

    private static final List<String> EOG_TEXTS = List.of(
            "<|eot_id|>",
            "<|im_end|>",
            "<|end|>",
            "<end_of_turn>",
            "<|endoftext|>",
            "<|eom_id|>",
            "<EOT>",
            "_<EOT>",
            "<|end_of_text|>");

    private final Kind kind;
    private final String[] text;
    private final float[] scores;
    private final int[] types;
    private final Map<String, Integer> ids = new HashMap<>();
    private final Map<String, Integer> mergeRanks;
    private final int bos, eos, unk;
    private final boolean addBos, addSpacePrefix, ignoreMerges, cleanSpaces;
    private final BitSet eog = new BitSet();
    private final BitSet rstrip = new BitSet();
    private final int[] specials; // control, user-defined and unknown tokens, longest first
    private final Pattern preTokenizer; // BPE only
    private final byte[][] bytes; // what each token decodes to
    private String chatTemplate;

    Vocabulary(
            Kind kind,
            String pre,
            String[] text,
            float[] scores,
            int[] types,
            List<String> merges,
            int bos,
            int eos,
            int unk,
            int eot,
            Boolean addBosFlag,
            boolean addSpacePrefix,
            boolean phi3Spacing) {
        this.kind = kind;
        this.text = text;
        this.scores = scores;
        this.types = types;
        for (int i = 0; i < text.length; i++) ids.put(text[i], i); // a later duplicate wins, as in llama.cpp
        this.bos = bos;
        this.eos = eos;
        this.unk = unk;
        if (kind == Kind.BPE) {
            mergeRanks = new HashMap<>();
            for (int i = 0; i < merges.size(); i++) mergeRanks.putIfAbsent(merges.get(i), i);
            String p = pre == null ? "default" : pre;
            this.preTokenizer = Pattern.compile(regexFor(p), Pattern.UNICODE_CHARACTER_CLASS);
            boolean llama3 = p.equals("llama-bpe") || p.equals("llama3") || p.equals("llama-v3");
            this.ignoreMerges = llama3;
            this.cleanSpaces = !(p.equals("qwen2") || llama3);
            this.addBos = addBosFlag != null ? addBosFlag : llama3;
            this.addSpacePrefix = false;
        } else {
            mergeRanks = null;
            preTokenizer = null;
            ignoreMerges = false;
            cleanSpaces = false;
            this.addBos = addBosFlag != null ? addBosFlag : true;
            this.addSpacePrefix = addSpacePrefix;
        }
        // end-of-generation tokens: EOS, EOT, and the end-of-turn tokens found by text (which become control)
        if (eos >= 0) eog.set(eos);
        if (eot >= 0) eog.set(eot);
        for (String t : EOG_TEXTS) {
            Integer id = ids.get(t);
            if (id != null) {
                eog.set(id);
                if (types[id] != CONTROL) types[id] = CONTROL;
            }
        }
        List<Integer> sp = new ArrayList<>();
        for (int i = 0; i < text.length; i++) {
            if (types[i] == CONTROL || types[i] == USER_DEFINED || types[i] == UNKNOWN) sp.add(i);
        }
        sp.sort((a, b) -> Integer.compare(utf8Length(text[b]), utf8Length(text[a])));
        this.specials = sp.stream().mapToInt(Integer::intValue).toArray();
        if (phi3Spacing) {
            // llama.cpp strips whitespace after Phi-3's special tokens, except these
            for (int id : specials) rstrip.set(id);
            Integer s = ids.get("</s>");
            if (s != null) rstrip.set(s);
            for (String t : List.of("<unk>", "<s>", "<|endoftext|>")) {
                Integer id = ids.get(t);
                if (id != null) rstrip.clear(id);
            }
        }
        this.bytes = new byte[text.length][];
        for (int i = 0; i < text.length; i++) bytes[i] = pieceBytes(i);
    }

    private static String regexFor(String pre) {
        return switch (pre) {
            case "llama-bpe", "llama3", "llama-v3" ->
                "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
            case "qwen2" ->
                "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
            case "default", "gpt-2", "gpt2" ->
                "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
            default ->
                throw new IllegalArgumentException(
                        "unsupported pre-tokenizer '" + pre + "' (supported: default, gpt-2, llama-bpe, qwen2)");
        };
    }

    private static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    public Kind kind() {
        return kind;
    }

    @Override
    public String chatTemplate() {
        return chatTemplate;
    }

    Vocabulary withChatTemplate(String template) {
        this.chatTemplate = template;
        return this;
    }

    @Override
    public int vocabularySize() {
        return text.length;
    }

    @Override
    public String tokenText(int id) {
        return text[id];
    }

    @Override
    public int bos() {
        return bos;
    }

    @Override
    public int eos() {
        return eos;
    }

    @Override
    public int unknown() {
        return unk;
    }

    @Override
    public boolean addsBos() {
        return addBos;
    }

    @Override
    public boolean isEndOfGeneration(int id) {
        return id >= 0 && eog.get(id);
    }

    @Override
    public byte[] tokenBytes(int id) {
        return bytes[id];
    }

    public boolean isControl(int id) {
        return types[id] == CONTROL;
    }

    // ---------------------------------------------------------------- encoding

    @Override
    public int[] encode(String input, boolean addBosToken, boolean parseSpecial) {
        List<Object> fragments = partition(input, parseSpecial); // String (text) or Integer (special token)
        IntList out = new IntList();
        if (addBosToken && addBos && bos >= 0) out.add(bos);
        boolean prevSpecial = true;
        for (Object f : fragments) {
            if (f instanceof Integer id) {
                out.add(id);
                prevSpecial = true;
            } else {
                String s = (String) f;
                if (kind == Kind.SPM) {
                    if (addSpacePrefix && prevSpecial) s = " " + s;
                    spm(s.replace(" ", "\u2581"), out);
                } else {
                    bpe(s, out);
                }
                prevSpecial = false;
            }
        }
        return out.toArray();
    }

    /** Splits the text on special tokens, longest first, as llama.cpp's tokenizer_st_partition. */
    private List<Object> partition(String input, boolean parseSpecial) {
        List<Object> frags = new ArrayList<>();
        if (input.isEmpty()) return frags;
        frags.add(input);
        for (int id : specials) {
            if (!parseSpecial && (types[id] == CONTROL || types[id] == UNKNOWN)) continue;
            String tok = text[id];
            if (tok.isEmpty()) continue;
            List<Object> next = new ArrayList<>();
            for (Object f : frags) {
                if (!(f instanceof String s)) {
                    next.add(f);
                    continue;
                }
                int from = 0;
                while (true) {
                    int at = s.indexOf(tok, from);
                    if (at < 0) break;
                    if (at > from) next.add(s.substring(from, at));
                    next.add(id);
                    from = at + tok.length();
                    if (rstrip.get(id)) while (from < s.length() && isSpace(s.charAt(from))) from++;
                }
                if (from < s.length()) next.add(s.substring(from));
            }
            frags = next;
        }
        return frags;
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x0B || c == '\f';
    }

    private record Bigram(int left, int right, float score, int rank, int size) {}

    /** SentencePiece BPE: merge the best-scoring adjacent pair until none is in the vocabulary. */
    private void spm(String s, IntList out) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        int n = 0;
        int[] start = new int[b.length], len = new int[b.length], prev = new int[b.length], next = new int[b.length];
        for (int off = 0; off < b.length; ) {
            int l = Math.min(utf8Len(b[off]), b.length - off);
            start[n] = off;
            len[n] = l;
            prev[n] = n - 1;
            next[n] = off + l == b.length ? -1 : n + 1;
            off += l;
            n++;
        }
        PriorityQueue<Bigram> queue = new PriorityQueue<>(
                (x, y) -> x.score != y.score ? Float.compare(y.score, x.score) : Integer.compare(x.left, y.left));
        Map<String, int[]> revMerge = new HashMap<>();
        for (int i = 1; i < n; i++) spmBigram(b, start, len, i - 1, i, queue, revMerge);
        while (!queue.isEmpty()) {
            Bigram g = queue.poll();
            if (len[g.left] == 0 || len[g.right] == 0 || len[g.left] + len[g.right] != g.size) continue;
            len[g.left] += len[g.right];
            len[g.right] = 0;
            next[g.left] = next[g.right];
            if (next[g.right] >= 0) prev[next[g.right]] = g.left;
            spmBigram(b, start, len, prev[g.left], g.left, queue, revMerge);
            spmBigram(b, start, len, g.left, next[g.left], queue, revMerge);
        }
        for (int i = n > 0 ? 0 : -1; i != -1; i = next[i]) resegment(b, start[i], len[i], revMerge, out);
    }

    private void spmBigram(
            byte[] b, int[] start, int[] len, int left, int right, PriorityQueue<Bigram> q, Map<String, int[]> rev) {
        if (left == -1 || right == -1) return;
        String t = new String(b, start[left], len[left] + len[right], StandardCharsets.UTF_8);
        Integer id = ids.get(t);
        if (id == null) return;
        q.add(new Bigram(left, right, scores[id], 0, len[left] + len[right]));
        rev.put(t, new int[] {start[left], len[left], start[right], len[right]});
    }

    private void resegment(byte[] b, int start, int len, Map<String, int[]> rev, IntList out) {
        String t = new String(b, start, len, StandardCharsets.UTF_8);
        Integer id = ids.get(t);
        if (id != null) {
            out.add(id);
            return;
        }
        int[] p = rev.get(t);
        if (p == null) {
            for (int j = 0; j < len; j++) out.add(byteToken(b[start + j] & 0xFF));
            return;
        }
        resegment(b, p[0], p[1], rev, out);
        resegment(b, p[2], p[3], rev, out);
    }

    private int byteToken(int v) {
        Integer id = ids.get(String.format("<0x%02X>", v));
        if (id != null) return id;
        id = ids.get(new String(new byte[] {(byte) v}, StandardCharsets.ISO_8859_1));
        return id != null ? id : unk;
    }

    private static int utf8Len(byte first) {
        int h = (first & 0xFF) >> 4;
        return h < 8 ? 1 : h == 12 || h == 13 ? 2 : h == 14 ? 3 : h == 15 ? 4 : 1;
    }

    /** GPT-2 byte-level BPE: pre-tokenize, map bytes to symbols, merge by rank. */
    private void bpe(String s, IntList out) {
        Matcher m = preTokenizer.matcher(s);
        while (m.find()) {
            String word = ByteLevel.encode(m.group().getBytes(StandardCharsets.UTF_8));
            if (ignoreMerges && ids.containsKey(word)) {
                out.add(ids.get(word));
                continue;
            }
            int[] cps = word.codePoints().toArray();
            int n = cps.length;
            String[] sym = new String[n];
            int[] prev = new int[n], next = new int[n];
            for (int i = 0; i < n; i++) {
                sym[i] = Character.toString(cps[i]);
                prev[i] = i - 1;
                next[i] = i + 1 < n ? i + 1 : -1;
            }
            PriorityQueue<Bigram> queue = new PriorityQueue<>(
                    (x, y) -> x.rank != y.rank ? Integer.compare(x.rank, y.rank) : Integer.compare(x.left, y.left));
            for (int i = 1; i < n; i++) bpeBigram(sym, i - 1, i, queue);
            while (!queue.isEmpty()) {
                Bigram g = queue.poll();
                if (sym[g.left] == null || sym[g.right] == null) continue;
                if (sym[g.left].length() + sym[g.right].length() != g.size
                        || !mergeRanks
                                .getOrDefault(sym[g.left] + " " + sym[g.right], -1)
                                .equals(g.rank)) continue;
                sym[g.left] = sym[g.left] + sym[g.right];
                sym[g.right] = null;
                next[g.left] = next[g.right];
                if (next[g.right] >= 0) prev[next[g.right]] = g.left;
                bpeBigram(sym, prev[g.left], g.left, queue);
                bpeBigram(sym, g.left, next[g.left], queue);
            }
            for (int i = 0; i != -1 && n > 0; i = next[i]) {
                Integer id = ids.get(sym[i]);
                if (id != null) {
                    out.add(id);
                } else {
                    for (int cp : sym[i].codePoints().toArray()) {
                        Integer one = ids.get(Character.toString(cp));
                        if (one != null) out.add(one);
                    }
                }
            }
        }
    }

    private void bpeBigram(String[] sym, int left, int right, PriorityQueue<Bigram> q) {
        if (left == -1 || right == -1) return;
        Integer rank = mergeRanks.get(sym[left] + " " + sym[right]);
        if (rank == null) return;
        q.add(new Bigram(left, right, 0f, rank, sym[left].length() + sym[right].length()));
    }

    // ---------------------------------------------------------------- decoding

    private byte[] pieceBytes(int id) {
        int t = types[id];
        String s = text[id];
        if (t == CONTROL || t == UNKNOWN) return new byte[0];
        if (t == BYTE) {
            if (s.length() == 6 && s.startsWith("<0x") && s.endsWith(">"))
                return new byte[] {(byte) Integer.parseInt(s.substring(3, 5), 16)};
            return s.getBytes(StandardCharsets.UTF_8);
        }
        if (t == USER_DEFINED) return s.getBytes(StandardCharsets.UTF_8);
        if (kind == Kind.SPM) return s.replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8);
        return ByteLevel.decode(s);
    }

    /** As llama.cpp's llama_detokenize(remove_special=false, unparse_special=false). */
    @Override
    public String decode(int[] idsToDecode) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        boolean removeSpace = addSpacePrefix;
        for (int id : idsToDecode) {
            byte[] p = bytes[id];
            int skip = removeSpace && p.length > 0 && p[0] == ' ' ? 1 : 0;
            out.write(p, skip, p.length - skip);
            removeSpace = false;
        }
        byte[] r = out.toByteArray();
        return new String(cleanSpaces ? clean(r) : r, StandardCharsets.UTF_8);
    }

    /** llama.cpp's clean_up_tokenization_spaces for BPE vocabularies. */
    private static byte[] clean(byte[] t) {
        int n = t.length;
        byte[] a = Arrays.copyOf(t, n);
        int total = n > 0 ? 1 : 0;
        for (int i = 1; i < n; i++) {
            byte x = a[i];
            if (a[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) total--;
            a[total++] = x;
        }
        int n2 = total;
        total = n2 > 0 ? 1 : 0;
        for (int i = 1; i < n2; i++) {
            byte x = a[i];
            if (x == '\'' && i + 1 < n2 && a[i - 1] == ' ' && a[i + 1] == ' ') {
                total--;
                a[++i] = 0;
            }
            a[total++] = x;
        }
        int n3 = total;
        total = n3 > 0 ? 1 : 0;
        for (int i = 1; i < n3; i++) {
            byte x = a[i];
            if (a[i - 1] == ' ' && x == '\'' && i + 1 < n3) {
                byte x1 = a[i + 1];
                if (x1 == 's' || x1 == 'm') total--;
                else if (i + 2 < n3 && ((x1 == 'r' && a[i + 2] == 'e') || (x1 == 'v' && a[i + 2] == 'e'))) total--;
            }
            a[total++] = x;
        }
        return Arrays.copyOf(a, total);
    }

    /** A growable int list, so encoding does not box. */
    static final class IntList {
        private int[] a = new int[16];
        private int n;

        void add(int v) {
            if (n == a.length) a = Arrays.copyOf(a, n * 2);
            a[n++] = v;
        }

        int[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }
}
