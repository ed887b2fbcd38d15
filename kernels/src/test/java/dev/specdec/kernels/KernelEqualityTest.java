package dev.specdec.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every format's vector dot against its scalar reference, and the batched matmul against
 * per-row dots, for many sizes (tails included) and batch sizes. The build runs this class once
 * per vector width (128, 256, 512 bits and the platform default), see kernels/pom.xml.
 */
class KernelEqualityTest {

    static Stream<Arguments> formatsAndSizes() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (GgmlType t : GgmlType.values()) {
            if (t.format() == null) continue;
            int bs = t.blockSize();
            for (int blocks : new int[] {1, 2, 3, 7, 8, 33}) {
                int n = bs == 1 ? blocks * 37 + 5 : blocks * bs; // odd lengths for the element formats
                b.add(Arguments.of(t, n));
            }
        }
        return b.build();
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("formatsAndSizes")
    void vectorDotEqualsScalarReference(GgmlType type, int n) {
        Random r = new Random(n * 31L + type.id());
        float[] w = new float[n], x = new float[n + 3];
        for (int i = 0; i < n; i++) w[i] = (float) r.nextGaussian();
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        TensorFormat f = type.format();
        MemorySegment q = f.quantize(w);
        for (int xOff : new int[] {0, 3}) {
            float ref = f.dotReference(q, 0, x, xOff, n);
            float got = f.dot(q, 0, x, xOff, n);
            double scale = 0;
            float[] deq = new float[n];
            f.dequantize(q, 0, deq, 0, n);
            for (int i = 0; i < n; i++) scale += Math.abs(deq[i] * x[xOff + i]);
            // float sums in a different order differ by a few ulps of the sum of magnitudes
            assertEquals(
                    ref,
                    got,
                    1e-5 * scale + 1e-6,
                    type + " n=" + n + " xOff=" + xOff + " (" + Vectors.describe() + ")");
        }
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("formatsAndSizes")
    void getFloatAgreesWithDequantize(GgmlType type, int n) {
        Random r = new Random(n);
        float[] w = new float[n];
        for (int i = 0; i < n; i++) w[i] = (float) r.nextGaussian();
        TensorFormat f = type.format();
        MemorySegment q = f.quantize(w);
        float[] deq = new float[n];
        f.dequantize(q, 0, deq, 0, n);
        for (int i = 0; i < n; i += Math.max(1, n / 50))
            assertEquals(deq[i], f.getFloat(q, i), 0f, type + " element " + i);
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("formatsAndSizes")
    void vectorDecodeEqualsScalarDequantizeBitwise(GgmlType type, int n) {
        Random r = new Random(n * 7L + type.id());
        float[] w = new float[n];
        for (int i = 0; i < n; i++) w[i] = (float) (r.nextGaussian() * 3);
        TensorFormat f = type.format();
        MemorySegment q = f.quantize(w);
        float[] a = new float[n], b = new float[n];
        f.dequantize(q, 0, a, 0, n);
        f.decode(q, 0, b, n);
        assertArrayEquals(a, b, 0f, type + " (" + Vectors.describe() + ")");
    }

    @Test
    void batchedMatmulIsBitwiseTheSameForEveryBatchSize() {
        Random r = new Random(7);
        // 512: one chunk; 2304 (2311 for element formats): several chunks of the batched path and a tail
        for (int size : new int[] {512, 2304}) {
            for (GgmlType type : GgmlType.values()) {
                if (type.format() == null) continue;
                int in = type.blockSize() == 1 && size > 512 ? size + 7 : size, out = 67;
                float[] w = new float[in * out];
                for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
                Tensor t = new Tensor(
                        "w", type, new long[] {in, out}, type.format().quantize(w));
                float[] x = new float[33 * in];
                for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
                try (ComputePool pool = new ComputePool(3)) {
                    float[] single = new float[out];
                    for (int T : new int[] {1, 2, 3, 5, 17, 33}) {
                        float[] y = new float[T * out];
                        Matmul.matmul(pool, t, x, y, T);
                        for (int row = 0; row < T; row++) {
                            float[] xr = java.util.Arrays.copyOfRange(x, row * in, (row + 1) * in);
                            try (ComputePool one = new ComputePool(1)) {
                                Matmul.matmul(one, t, xr, single, 1);
                            }
                            for (int o = 0; o < out; o++) {
                                assertEquals(
                                        Float.floatToIntBits(single[o]),
                                        Float.floatToIntBits(y[row * out + o]),
                                        type + " in=" + in + " T=" + T + " row " + row + " out " + o);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void vectorRopeEqualsScalarRopeBitwise() {
        Random r = new Random(11);
        for (Rope.Layout layout : Rope.Layout.values()) {
            // full heads of 64 and 128, partial rotation (96 of 128), and sizes below one vector
            for (int[] dh : new int[][] {{64, 64}, {128, 128}, {96, 128}, {6, 8}, {2, 4}, {24, 32}}) {
                Rope rope = new Rope(layout, dh[0], 10000.0, null, 1.25f);
                for (int pos : new int[] {0, 1, 17, 4095}) {
                    int heads = 3;
                    float[] x = new float[5 + heads * dh[1]];
                    for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
                    float[] expected = x.clone();
                    rope.applyScalar(expected, 5, heads, dh[1], pos);
                    rope.apply(x, 5, heads, dh[1], pos);
                    assertArrayEquals(expected, x, 0f, layout + " dims " + dh[0] + " head " + dh[1] + " pos " + pos);
                }
            }
        }
    }

    @Test
    void f16KvCacheKernelsMatchTheScalarLoops() {
        Random r = new Random(5);
        for (int n : new int[] {1, 7, 16, 64, 80, 128, 131}) {
            short[] h = new short[n + 3];
            for (int i = 0; i < h.length; i++) h[i] = Float.floatToFloat16((float) r.nextGaussian());
            float[] x = new float[n + 2];
            for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
            double exact = 0, abs = 0;
            for (int i = 0; i < n; i++) {
                exact += (double) Float.float16ToFloat(h[3 + i]) * x[2 + i];
                abs += Math.abs((double) Float.float16ToFloat(h[3 + i]) * x[2 + i]);
            }
            assertEquals(exact, F16Format.dot(h, 3, x, 2, n), 1e-6 * abs + 1e-30, "dot n=" + n);
            float[] out = new float[n + 4], expected = new float[n + 4];
            for (int i = 0; i < out.length; i++) out[i] = expected[i] = (float) r.nextGaussian();
            float w = 0.37f;
            for (int i = 0; i < n; i++) expected[4 + i] += w * Float.float16ToFloat(h[3 + i]);
            F16Format.addScaled(w, h, 3, out, 4, n);
            assertArrayEquals(expected, out, 0f, "addScaled n=" + n);
        }
    }

    @Test
    void softmaxMatchesTheScalarDefinitionBitwise() {
        Random r = new Random(9);
        for (int n : new int[] {1, 3, 16, 17, 100, 1000}) {
            float[] x = new float[n + 2];
            for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * 4);
            x[2 + n / 2] = 30f;
            float[] expected = x.clone();
            float max = Float.NEGATIVE_INFINITY, sum = 0f;
            for (int i = 0; i < n; i++) max = Math.max(max, expected[2 + i]);
            for (int i = 0; i < n; i++) {
                expected[2 + i] = (float) Math.exp(expected[2 + i] - max);
                sum += expected[2 + i];
            }
            for (int i = 0; i < n; i++) expected[2 + i] *= 1f / sum;
            Ops.softmax(x, 2, n);
            assertArrayEquals(expected, x, 0f, "n=" + n);
        }
    }

    @Test
    void firstNonFiniteFindsTheFirstBadValueInVectorsAndTail() {
        for (int n : new int[] {1, 7, 16, 37, 1000}) {
            float[] x = new float[n];
            for (int i = 0; i < n; i++) x[i] = i % 2 == 0 ? Float.MAX_VALUE : -Float.MAX_VALUE;
            assertEquals(-1, Ops.firstNonFinite(x, n), "n=" + n);
            for (int at = 0; at < n; at += Math.max(1, n / 9)) {
                for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
                    float[] y = x.clone();
                    y[at] = bad;
                    if (at + 1 < n) y[n - 1] = Float.NaN; // a later bad value must not be reported instead
                    assertEquals(at, Ops.firstNonFinite(y, n), "n=" + n + " at " + at + " " + bad);
                    assertEquals(-1, Ops.firstNonFinite(y, at), "only the values before it");
                }
            }
        }
    }

    @Test
    void quantizationErrorIsBounded() {
        Random r = new Random(3);
        int n = 4096;
        float[] w = new float[n];
        for (int i = 0; i < n; i++) w[i] = (float) r.nextGaussian();
        // relative RMS error bounds of our quantizers on Gaussian data (bits per weight in brackets)
        Object[][] bounds = {
            {GgmlType.F32, 0.0}, {GgmlType.F16, 1e-3}, {GgmlType.BF16, 5e-3}, {GgmlType.Q8_0, 0.01},
            {GgmlType.Q6_K, 0.04}, {GgmlType.Q5_0, 0.06}, {GgmlType.Q5_1, 0.06}, {GgmlType.Q5_K, 0.06},
            {GgmlType.Q4_0, 0.12}, {GgmlType.Q4_1, 0.12}, {GgmlType.Q4_K, 0.12}, {GgmlType.Q3_K, 0.3},
            {GgmlType.Q2_K, 0.5}
        };
        for (Object[] bd : bounds) {
            GgmlType t = (GgmlType) bd[0];
            float[] d = new float[n];
            t.format().dequantize(t.format().quantize(w), 0, d, 0, n);
            double err = 0, norm = 0;
            for (int i = 0; i < n; i++) {
                err += (d[i] - w[i]) * (d[i] - w[i]);
                norm += w[i] * w[i];
            }
            double rel = Math.sqrt(err / norm);
            assertTrue(rel <= (double) bd[1], t + " relative RMS error " + rel + " > " + bd[1]);
        }
    }

    @Test
    void f16WideningIsExactForEveryHalf() {
        if (!Vectors.ENABLED) return;
        // all 65536 halves through the KV cache's vector widening: one dot per lane-sized chunk with a one-hot x
        int n = 65536;
        short[] h = new short[n];
        for (int i = 0; i < n; i++) h[i] = (short) i;
        int L = Vectors.F.length();
        float[] x = new float[L];
        for (int i = 0; i < n; i += L) {
            for (int lane = 0; lane < L; lane++) {
                java.util.Arrays.fill(x, 0f);
                x[lane] = 1f;
                float expected = Float.float16ToFloat((short) (i + lane));
                float got = F16Format.dot(h, i, x, 0, L);
                if (Float.isNaN(expected)) assertTrue(Float.isNaN(got), "half " + (i + lane));
                else if (!Float.isInfinite(expected)) assertEquals(expected, got, 0f, "half " + (i + lane));
            }
            if (i > 4096) i += 997 * L; // all small values, then a stride through the rest
        }
    }
}
