package dev.specdec.target;

/**
 * GPT-2's reversible map between bytes and printable code points (e.g. space becomes 'Ġ'),
 * used by byte-level BPE vocabularies.
 */
final class ByteLevel {
    private ByteLevel() {}

    private static final int[] BYTE_TO_CP = new int[256];
    private static final int[] CP_TO_BYTE = new int[512];

    static {
        java.util.Arrays.fill(CP_TO_BYTE, -1);
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            int cp = printable ? b : 256 + n++;
            BYTE_TO_CP[b] = cp;
            CP_TO_BYTE[cp] = b;
        }
    }

    static String encode(byte[] bytes) {
        StringBuilder sb = new StringBuilder(bytes.length);
        for (byte b : bytes) sb.appendCodePoint(BYTE_TO_CP[b & 0xFF]);
        return sb.toString();
    }

    /** Bytes of a token string; code points outside the map are kept as their UTF-8. */
    static byte[] decode(String s) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(s.length());
        s.codePoints().forEach(cp -> {
            if (cp < CP_TO_BYTE.length && CP_TO_BYTE[cp] >= 0) out.write(CP_TO_BYTE[cp]);
            else out.writeBytes(Character.toString(cp).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        });
        return out.toByteArray();
    }
}
