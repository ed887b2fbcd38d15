package dev.specdec.cli;

import java.util.Arrays;

/** Parsing and printing of token id lists ("1,2,3" or "1 2 3"). */
final class Ids {
    private Ids() {}

    static int[] parse(String s, String flag) {
        String t = s.trim();
        if (t.isEmpty()) return new int[0];
        try {
            return Arrays.stream(t.split("[,\\s]+")).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " expects comma-separated token ids, got '" + s + "'");
        }
    }

    static String join(int[] ids) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < ids.length; i++) {
            if (i > 0) sb.append(' ');
            sb.append(ids[i]);
        }
        return sb.toString();
    }
}
