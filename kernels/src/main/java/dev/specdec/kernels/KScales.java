package dev.specdec.kernels;

import java.lang.foreign.MemorySegment;

/**
 * The 12-byte field that Q4_K and Q5_K use for eight 6-bit (scale, min) pairs, and the shared
 * helpers of the simple K-quant quantizers. ggml calls the unpacking {@code get_scale_min_k4}.
 */
final class KScales {
    private KScales() {}

    /**
     * 6-bit scale of sub-block j (0..7) from the 12-byte field read as a little-endian long (bytes
     * 0-7) and int (bytes 8-11): kernels read the field once per super-block and unpack in registers.
     */
    static int scale(long lo, int hi, int j) {
        if (j < 4) return at(lo, hi, j) & 63;
        return (at(lo, hi, j + 4) & 0xF) | ((at(lo, hi, j - 4) >>> 6) << 4);
    }

    /** 6-bit min of sub-block j, as {@link #scale(long, int, int)}. */
    static int min(long lo, int hi, int j) {
        if (j < 4) return at(lo, hi, j + 4) & 63;
        return (at(lo, hi, j + 4) >>> 4) | ((at(lo, hi, j) >>> 6) << 4);
    }

    /** Byte k (0..11) of the field. */
    private static int at(long lo, int hi, int k) {
        return k < 8 ? (int) (lo >>> (8 * k)) & 0xFF : (hi >>> (8 * (k - 8))) & 0xFF;
    }

    /** Packs eight 6-bit scales and mins, the inverse of {@link #scale} and {@link #min}. */
    static void pack(int[] ls, int[] lm, MemorySegment dst, long off) {
        byte[] b = new byte[12];
        for (int j = 0; j < 4; j++) {
            b[j] = (byte) (ls[j] | ((ls[j + 4] >>> 4) << 6));
            b[j + 4] = (byte) (lm[j] | ((lm[j + 4] >>> 4) << 6));
            b[j + 8] = (byte) ((ls[j + 4] & 0xF) | ((lm[j + 4] & 0xF) << 4));
        }
        for (int j = 0; j < 12; j++) LE.put8(dst, off + j, b[j]);
    }

    /**
     * Asymmetric sub-block quantization for the K-quants with a min: fills, per sub-block, the
     * scale {@code (max - min) / levels} and the offset {@code -min} (min clamped at 0, as ggml).
     */
    static void scalesAndMins(
            float[] x, int off, int subBlocks, int subSize, int levels, float[] scales, float[] mins) {
        for (int s = 0; s < subBlocks; s++) {
            float mn = 0f, mx = -Float.MAX_VALUE;
            for (int l = 0; l < subSize; l++) {
                float v = x[off + s * subSize + l];
                mn = Math.min(mn, v);
                mx = Math.max(mx, v);
            }
            scales[s] = Math.max(0f, (mx - mn) / levels);
            mins[s] = -mn;
        }
    }

    static float max(float[] v) {
        float m = 0f;
        for (float f : v) m = Math.max(m, f);
        return m;
    }

    /** Rounds {@code v / unit} to an integer in [0, limit]; 0 when the unit is 0. */
    static int level(float v, float unit, int limit) {
        if (unit <= 0f) return 0;
        return Math.max(0, Math.min(limit, Math.round(v / unit)));
    }
}
