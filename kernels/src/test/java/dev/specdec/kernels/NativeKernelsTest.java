package dev.specdec.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The native kernels of every level this machine runs: error within the bound that 8-bit
 * activations imply, bitwise batch invariance for every b in 1..17 and 33 over several row chunks,
 * the level selection on faked CPUs, and a broken library refused without crashing the JVM.
 */
class NativeKernelsTest {

    static final List<GgmlType> NATIVE = List.of(
            GgmlType.Q4_0,
            GgmlType.Q8_0,
            GgmlType.Q4_K,
            GgmlType.Q5_K,
            GgmlType.Q6_K,
            GgmlType.F16,
            GgmlType.BF16,
            GgmlType.F32);

    /** Every level whose library was built and whose flags this CPU has. */
    static List<NativeKernels> levels() {
        List<NativeKernels> out = new ArrayList<>();
        for (KernelLevel l : KernelLevel.values()) {
            if (!l.runsOn(CpuInfo.current()) || NativeKernels.class.getResource(l.resource()) == null) continue;
            try {
                out.add(NativeKernels.load(l));
            } catch (IOException e) {
                throw new AssertionError("level " + l.id() + " was built and this CPU runs it, but it did not load", e);
            }
        }
        return out;
    }

    static Stream<Arguments> cases() {
        List<NativeKernels> ls = levels();
        List<Arguments> out = new ArrayList<>();
        for (NativeKernels k : ls)
            for (GgmlType t : NATIVE) out.add(Arguments.of(k.kernelLevel().id(), t, k));
        return out.stream();
    }

    /** The CI machines have a C compiler: there the libraries must have been built and must load. */
    @Test
    void builtWhereACompilerExists() {
        boolean ci = "true".equals(System.getenv("CI"));
        boolean x86Linux = NativeKernels.choose(
                                CpuInfo.current(), "auto", System.getProperty("os.name"), System.getProperty("os.arch"))
                        .level()
                != null;
        boolean cc = Stream.of(System.getenv("PATH").split(":")).anyMatch(d -> Files.isExecutable(Path.of(d, "cc")));
        if (ci && cc && x86Linux) {
            assertTrue(
                    NativeKernels.active(),
                    "CI with a C compiler on x86-64 Linux, yet the native kernels do not run: "
                            + NativeKernels.describe());
            assertTrue(!levels().isEmpty());
        }
        Assumptions.assumeTrue(NativeKernels.active(), "native kernels not active here: " + NativeKernels.describe());
        assertEquals(
                NativeKernels.choose(
                                CpuInfo.current(),
                                System.getProperty("specdec.kernels", "auto"),
                                System.getProperty("os.name"),
                                System.getProperty("os.arch"))
                        .level(),
                NativeKernels.level());
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void withinTheActivationQuantizationBound(String level, GgmlType type, NativeKernels k) {
        Random rnd = new Random(type.ordinal() * 31L + level.hashCode());
        int[] sizes = type.blockSize() == 256
                ? new int[] {256, 768, 2048}
                : type.blockSize() == 32 ? new int[] {32, 96, 2048} : new int[] {8, 100, 2048};
        for (int n : sizes) {
            int out = 7, rows = 3;
            float[] wf = gaussian(rnd, out * n, 0.02f);
            MemorySegment w = type.format().quantize(wf);
            float[] x = gaussian(rnd, rows * n, 1f);
            x[5] = 9f; // an outlier: coarser scale for its block
            float[] y = run(k, type, w, n, out, x, rows, 0, out);
            float[] dec = new float[n];
            for (int r = 0; r < out; r++) {
                type.format().dequantize(w, r * type.bytesFor(n), dec, 0, n);
                for (int t = 0; t < rows; t++) {
                    double exact = 0, mag = 0, bound = 0;
                    int block = k.kind(type) == 1 ? 32 : 256;
                    for (int b = 0; b < n; b += block) {
                        double amax = 0, wabs = 0;
                        for (int i = b; i < Math.min(n, b + block); i++) {
                            amax = Math.max(amax, Math.abs(x[t * n + i]));
                            wabs += Math.abs(dec[i]);
                        }
                        // each activation is off by at most half its block's step amax / 127
                        if (k.kind(type) != 0) bound += amax / 127 / 2 * wabs;
                    }
                    for (int i = 0; i < n; i++) {
                        exact += (double) dec[i] * x[t * n + i];
                        mag += Math.abs((double) dec[i] * x[t * n + i]);
                    }
                    bound = bound * 1.001 + 1e-5 * mag + 1e-6; // plus float rounding of the sums
                    float got = y[t * out + r];
                    if (!(Math.abs(got - exact) <= bound)) {
                        fail(level + " " + type + " n=" + n + " row " + r + " t " + t + ": " + got + " vs exact "
                                + exact + ", bound " + bound);
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void everyRowIsBitwiseTheSameAloneOrInAnyBatch(String level, GgmlType type, NativeKernels k) {
        aloneOrInAnyBatch(level, type, k, type.blockSize() == 1 ? 264 : 512);
        // an odd number of 32-value blocks: the kernels that take blocks in pairs end on a single one
        if (type.blockSize() == 32) aloneOrInAnyBatch(level, type, k, 544);
    }

    private void aloneOrInAnyBatch(String level, GgmlType type, NativeKernels k, int n) {
        Random rnd = new Random(7 + type.ordinal());
        int out = 13;
        MemorySegment w = type.format().quantize(gaussian(rnd, out * n, 0.02f));
        int maxT = 33;
        float[] x = gaussian(rnd, maxT * n, 1f);
        float[][] alone = new float[maxT][];
        for (int t = 0; t < maxT; t++) {
            float[] xt = java.util.Arrays.copyOfRange(x, t * n, (t + 1) * n);
            alone[t] = run(k, type, w, n, out, xt, 1, 0, out);
        }
        for (int T = 1; T <= 33; T = T == 17 ? 33 : T + 1) {
            float[] xs = java.util.Arrays.copyOf(x, T * n);
            // the rows in three chunks, as the compute pool's threads would take them
            float[] y = new float[T * out];
            int[] cuts = {0, 4, 5, 13};
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment xq = arena.allocate(Math.max(1, k.rowBytes(n) * T), 64);
                k.quantizeRows(k.kind(type), MemorySegment.ofArray(xs), T, n, xq);
                for (int c = 0; c + 1 < cuts.length; c++) {
                    k.matmulRows(
                            type,
                            w,
                            type.bytesFor(n),
                            n,
                            MemorySegment.ofArray(xs),
                            xq,
                            T,
                            MemorySegment.ofArray(y),
                            out,
                            cuts[c],
                            cuts[c + 1]);
                }
            }
            for (int t = 0; t < T; t++) {
                for (int r = 0; r < out; r++) {
                    if (Float.floatToRawIntBits(y[t * out + r]) != Float.floatToRawIntBits(alone[t][r])) {
                        fail(level + " " + type + " n=" + n + ": row " + t + " of a " + T + "-row pass, output " + r
                                + ": " + y[t * out + r] + " != alone " + alone[t][r]);
                    }
                }
            }
        }
    }

    @Test
    void selectionNeverPicksALevelTheCpuLacks() {
        CpuInfo zen3 = new CpuInfo("AMD EPYC 7B13", Set.of("avx", "avx2", "fma", "f16c", "sse4_2"));
        CpuInfo zen4 = new CpuInfo(
                "AMD EPYC 9B14", Set.of("avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512_vnni"));
        CpuInfo alder = new CpuInfo("Intel Core i7-12700", Set.of("avx2", "fma", "f16c", "avx_vnni"));
        CpuInfo old = new CpuInfo("Intel Xeon E5-2670", Set.of("avx", "sse4_2"));
        CpuInfo arm = new CpuInfo("Neoverse-N1", Set.of("asimd", "asimddp"));
        assertEquals(
                KernelLevel.AVX2,
                NativeKernels.choose(zen3, "auto", "Linux", "amd64").level());
        assertEquals(
                KernelLevel.AVX512_VNNI,
                NativeKernels.choose(zen4, "auto", "Linux", "amd64").level());
        assertEquals(
                KernelLevel.AVX_VNNI,
                NativeKernels.choose(alder, "auto", "Linux", "amd64").level());
        assertNull(NativeKernels.choose(old, "auto", "Linux", "amd64").level());
        assertTrue(
                NativeKernels.choose(old, "auto", "Linux", "amd64").reason().contains("avx2"),
                "names the missing flags");
        assertNull(NativeKernels.choose(arm, "auto", "Linux", "aarch64").level());
        assertNull(NativeKernels.choose(zen4, "auto", "Mac OS X", "amd64").level());
        assertNull(NativeKernels.choose(zen4, "java", "Linux", "amd64").level());
        // a level the CPU lacks is refused: the best one it has runs instead, and the reason says so
        NativeKernels.Selection s = NativeKernels.choose(zen3, "avx512vnni", "Linux", "amd64");
        assertEquals(KernelLevel.AVX2, s.level());
        assertTrue(s.reason().contains("avx512_vnni"), s.reason());
        assertNull(NativeKernels.choose(old, "avx2", "Linux", "amd64").level());
        assertEquals(
                KernelLevel.AVX2,
                NativeKernels.choose(zen4, "avx2", "Linux", "amd64").level());
        assertThrows(IllegalArgumentException.class, () -> NativeKernels.choose(zen4, "sse9", "Linux", "amd64"));
    }

    @Test
    void aCorruptLibraryIsRefusedWithAnException(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("libspecdec-avx2.so");
        Files.write(bad, new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3});
        assertThrows(IllegalArgumentException.class, () -> new NativeKernels(KernelLevel.AVX2, bad));
    }

    private static float[] run(
            NativeKernels k, GgmlType type, MemorySegment w, int n, int out, float[] x, int T, int r0, int r1) {
        float[] y = new float[T * out];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment xq = arena.allocate(Math.max(1, k.rowBytes(n) * T), 64);
            k.quantizeRows(k.kind(type), MemorySegment.ofArray(x), T, n, xq);
            k.matmulRows(
                    type,
                    w,
                    type.bytesFor(n),
                    n,
                    MemorySegment.ofArray(x),
                    xq,
                    T,
                    MemorySegment.ofArray(y),
                    out,
                    r0,
                    r1);
        }
        return y;
    }

    private static float[] gaussian(Random rnd, int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rnd.nextGaussian() * scale;
        return v;
    }
}
