package dev.specdec.target;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Turns a stream of token ids into text that is safe to print as it comes: bytes of a UTF-8
 * character split across tokens are held back until the character is complete, so the output never
 * shows replacement characters for text that is valid as a whole.
 */
public final class StreamingDetokenizer {
    private final Tokenizer tokenizer;
    private byte[] pending = new byte[16];
    private int n;
    private boolean first = true;
    private final boolean stripLeadingSpace;

    /** @param stripLeadingSpace drop the space SentencePiece vocabularies put before the first word */
    public StreamingDetokenizer(Tokenizer tokenizer, boolean stripLeadingSpace) {
        this.tokenizer = tokenizer;
        this.stripLeadingSpace = stripLeadingSpace;
    }

    /** The text completed by this token (possibly empty). */
    public String accept(int token) {
        byte[] b = tokenizer.tokenBytes(token);
        int from = 0;
        if (first && b.length > 0) {
            if (stripLeadingSpace && b[0] == ' ') from = 1;
            first = false;
        }
        for (int i = from; i < b.length; i++) {
            if (n == pending.length) pending = Arrays.copyOf(pending, 2 * n);
            pending[n++] = b[i];
        }
        int complete = completePrefix(pending, n);
        if (complete == 0) return "";
        String s = new String(pending, 0, complete, StandardCharsets.UTF_8);
        System.arraycopy(pending, complete, pending, 0, n - complete);
        n -= complete;
        return s;
    }

    /** Whatever is left (an incomplete character at the very end becomes U+FFFD). */
    public String flush() {
        String s = new String(pending, 0, n, StandardCharsets.UTF_8);
        n = 0;
        return s;
    }

    /** Length of the longest prefix that does not end inside a UTF-8 character. */
    static int completePrefix(byte[] b, int n) {
        // look back at most 3 bytes for the start of the last character
        for (int back = 1; back <= Math.min(4, n); back++) {
            int c = b[n - back] & 0xFF;
            if ((c & 0xC0) == 0x80) continue; // continuation byte
            int need = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
            return need > back ? n - back : n;
        }
        return n; // only continuation bytes: invalid anyway, let the decoder replace them
    }
}
