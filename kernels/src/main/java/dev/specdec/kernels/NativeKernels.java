package dev.specdec.kernels;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Random;

/**
 * The native CPU kernels (kernels/src/main/c, built by the C compiler for each {@link KernelLevel}
 * and packaged in the jar), called through Panama FFM. Chosen once per JVM: the best level this CPU
 * runs, unless {@code -Dspecdec.kernels=java|auto|LEVEL} (the CLI's {@code --kernels}) says
 * otherwise. No library for this platform, a level the CPU lacks, a library that fails to load or
 * computes wrong answers in its self-test: the Java Vector API kernels run instead, and one line on
 * stderr says which kernels run and why.
 *
 * <p>Activations are quantized once per matmul ({@link #quantize}) and every thread of the compute
 * pool then calls {@link #matmul} on its own range of weight rows. Downcalls are critical (no thread
 * state transition; heap float arrays are passed without copies).
 */
public final class NativeKernels {

    /** What runs and why: {@code level == null} means the Java kernels. */
    public record Selection(KernelLevel level, String reason) {}

    private final KernelLevel level;
    private final MethodHandle quantize, matmul;
    private final int[] activationKind = new int[64]; // by GGUF type id; -1 = not native
    private final MethodHandle rowBytes;

    private static final String PROPERTY = "specdec.kernels";
    private static final NativeKernels INSTANCE;
    private static final String DESCRIPTION;

    static {
        Selection s = choose(
                CpuInfo.current(),
                System.getProperty(PROPERTY, "auto"),
                System.getProperty("os.name", ""),
                System.getProperty("os.arch", ""));
        NativeKernels loaded = null;
        String why = s.reason();
        if (s.level() != null) {
            try {
                loaded = load(s.level());
                String failure = loaded.selfTest();
                if (failure != null) {
                    why = "the " + s.level().id() + " library failed its self-test (" + failure + ")";
                    loaded = null;
                }
            } catch (Throwable e) {
                why = "the " + s.level().id() + " library did not load ("
                        + e.getClass().getSimpleName() + ": " + e.getMessage() + ")";
                loaded = null;
            }
        }
        INSTANCE = loaded;
        DESCRIPTION =
                loaded != null ? "native " + loaded.level.id() + " (" + why + ")" : "Java Vector API (" + why + ")";
        if (!Boolean.getBoolean("specdec.kernels.quiet")) System.err.println("specdec: CPU kernels: " + DESCRIPTION);
    }

    /**
     * The level to load for this CPU and request, without loading anything: "java" -> none;
     * "auto" -> the best level the CPU has; a level name -> that level if the CPU has it, else the
     * best one it has (a level the machine lacks is never loaded).
     */
    public static Selection choose(CpuInfo cpu, String request, String osName, String arch) {
        String r = request == null ? "auto" : request.trim().toLowerCase(java.util.Locale.ROOT);
        if (r.equals("java")) return new Selection(null, "-D" + PROPERTY + "=java / --kernels java");
        boolean x86 = arch.equals("amd64") || arch.equals("x86_64");
        if (!x86 || !osName.toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            return new Selection(null, "no native kernels for " + osName + " " + arch);
        }
        KernelLevel best = null;
        for (KernelLevel l : KernelLevel.values())
            if (l.runsOn(cpu)) {
                best = l;
                break;
            }
        if (r.equals("auto") || r.equals("native") || r.isEmpty()) {
            if (best == null)
                return new Selection(
                        null, "this CPU lacks " + missing(KernelLevel.AVX2, cpu) + ", which the native kernels need");
            return new Selection(best, "the best level this CPU runs");
        }
        KernelLevel asked = KernelLevel.byId(r);
        if (asked == null) {
            throw new IllegalArgumentException("unknown kernel level '" + request + "': expected java, auto or one of "
                    + java.util.Arrays.stream(KernelLevel.values())
                            .map(KernelLevel::id)
                            .toList());
        }
        if (asked.runsOn(cpu)) return new Selection(asked, "requested");
        if (best == null)
            return new Selection(null, asked.id() + " was requested but this CPU lacks " + missing(asked, cpu));
        return new Selection(best, asked.id() + " was requested but this CPU lacks " + missing(asked, cpu));
    }

    private static String missing(KernelLevel l, CpuInfo cpu) {
        return String.join(
                ", ", l.requiredFlags().stream().filter(f -> !cpu.has(f)).toList());
    }

    NativeKernels(KernelLevel level, Path lib) throws IOException {
        this.level = level;
        SymbolLookup symbols = SymbolLookup.libraryLookup(lib, Arena.global());
        Linker linker = Linker.nativeLinker();
        MethodHandle abi = linker.downcallHandle(find(symbols, "sd_abi_version"), FunctionDescriptor.of(JAVA_INT));
        MethodHandle kind =
                linker.downcallHandle(find(symbols, "sd_activation_kind"), FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        rowBytes = linker.downcallHandle(
                find(symbols, "sd_activation_row_bytes"), FunctionDescriptor.of(JAVA_LONG, JAVA_INT));
        quantize = linker.downcallHandle(
                find(symbols, "sd_quantize"),
                FunctionDescriptor.ofVoid(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS),
                Linker.Option.critical(true));
        matmul = linker.downcallHandle(
                find(symbols, "sd_matmul"),
                FunctionDescriptor.of(
                        JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT,
                        JAVA_INT, JAVA_INT),
                Linker.Option.critical(true));
        try {
            int v = (int) abi.invokeExact();
            if (v != 1) throw new IOException("library ABI version " + v + ", expected 1");
            java.util.Arrays.fill(activationKind, -1);
            for (GgmlType t : GgmlType.values()) {
                if (t.format() != null) activationKind[t.id()] = (int) kind.invokeExact(t.id());
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable e) {
            throw new IOException(e);
        }
    }

    private static MemorySegment find(SymbolLookup symbols, String name) {
        return symbols.find(name).orElseThrow(() -> new IllegalStateException("symbol " + name + " missing"));
    }

    /** The library as a file: straight from the classes folder, or copied out of the jar once. */
    private static Path libraryFile(KernelLevel level) throws IOException {
        URL url = NativeKernels.class.getResource(level.resource());
        if (url == null) throw new IOException("not built into this jar (no C compiler at build time?)");
        if (url.getProtocol().equals("file")) {
            try {
                return Path.of(url.toURI());
            } catch (URISyntaxException e) {
                throw new IOException(e);
            }
        }
        Path tmp = Files.createTempFile("specdec-" + level.id() + "-", ".so");
        tmp.toFile().deleteOnExit();
        try (InputStream in = url.openStream()) {
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        }
        return tmp;
    }

    /** Whether native kernels run in this JVM. */
    public static boolean active() {
        return INSTANCE != null;
    }

    /** The level that runs, or null for the Java kernels. */
    public static KernelLevel level() {
        return INSTANCE != null ? INSTANCE.level : null;
    }

    /** One line for reports: which kernels run and why. */
    public static String describe() {
        return DESCRIPTION;
    }

    /** Whether matmuls with weights of this type run natively in this JVM. */
    public static boolean supports(GgmlType type) {
        return INSTANCE != null && INSTANCE.computes(type);
    }

    /** Whether matmuls with weights of this type run natively on 8-bit activations (not float ones). */
    public static boolean quantizesActivationsFor(GgmlType type) {
        return supports(type) && INSTANCE.kind(type) != 0;
    }

    /** 0: float activations; 1: 32-value blocks; 2: 256-value super-blocks (see the C source). */
    static int activationKind(GgmlType type) {
        return INSTANCE.activationKind[type.id()];
    }

    static long activationRowBytes(int n) {
        return INSTANCE.rowBytes(n);
    }

    static void quantize(int kind, MemorySegment x, int rows, int n, MemorySegment xq) {
        INSTANCE.quantizeRows(kind, x, rows, n, xq);
    }

    static void matmul(
            GgmlType type,
            MemorySegment w,
            long rowBytes,
            int n,
            MemorySegment x,
            MemorySegment xq,
            int rows,
            MemorySegment y,
            int yStride,
            int r0,
            int r1) {
        INSTANCE.matmulRows(type, w, rowBytes, n, x, xq, rows, y, yStride, r0, r1);
    }

    /** A library of one level, loaded for tests that compare every level the machine has. */
    static NativeKernels load(KernelLevel level) throws IOException {
        return new NativeKernels(level, libraryFile(level));
    }

    KernelLevel kernelLevel() {
        return level;
    }

    boolean computes(GgmlType type) {
        return activationKind[type.id()] >= 0;
    }

    int kind(GgmlType type) {
        return activationKind[type.id()];
    }

    /** Bytes of one quantized activation row of n values. */
    long rowBytes(int n) {
        try {
            return (long) rowBytes.invokeExact(n);
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /** Quantizes T rows of n floats of x into xq for the given activation kind. */
    void quantizeRows(int kind, MemorySegment x, int rows, int n, MemorySegment xq) {
        try {
            quantize.invokeExact(kind, x, rows, n, xq);
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /** y[t * yStride + r] = W[r] . x[t] for r in [r0, r1), t < rows. */
    void matmulRows(
            GgmlType type,
            MemorySegment w,
            long rowBytes,
            int n,
            MemorySegment x,
            MemorySegment xq,
            int rows,
            MemorySegment y,
            int yStride,
            int r0,
            int r1) {
        int rc;
        try {
            rc = (int) matmul.invokeExact(type.id(), w, rowBytes, n, x, xq, rows, y, yStride, r0, r1);
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
        if (rc != 0) throw new IllegalStateException("native kernels do not compute " + type);
    }

    /**
     * Compares every native format with the Java reference on random data: a library built wrong
     * for this machine is refused here, before it computes a single logit. Returns null when all agree.
     */
    String selfTest() {
        Random rnd = new Random(42);
        int n = 512, rows = 3, outRows = 5;
        float[] x = new float[rows * n];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        for (GgmlType t : GgmlType.values()) {
            if (t.format() == null || activationKind[t.id()] < 0) continue;
            float[] wf = new float[outRows * n];
            for (int i = 0; i < wf.length; i++) wf[i] = (float) rnd.nextGaussian() * 0.05f;
            MemorySegment w = t.format().quantize(wf);
            float[] y = new float[rows * outRows];
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment xq = arena.allocate(rowBytes(n) * rows, 64);
                quantizeRows(kind(t), MemorySegment.ofArray(x), rows, n, xq);
                matmulRows(
                        t,
                        w,
                        t.bytesFor(n),
                        n,
                        MemorySegment.ofArray(x),
                        xq,
                        rows,
                        MemorySegment.ofArray(y),
                        outRows,
                        0,
                        outRows);
            }
            for (int tr = 0; tr < rows; tr++) {
                for (int r = 0; r < outRows; r++) {
                    float ref = t.format().dotReference(w, r * t.bytesFor(n), x, tr * n, n);
                    float got = y[tr * outRows + r];
                    // 8-bit activations: a few percent of the row's scale, never more
                    if (!(Math.abs(got - ref) <= 0.05f * (1f + Math.abs(ref)))) {
                        return t + " row " + r + ": " + got + " vs reference " + ref;
                    }
                }
            }
        }
        return null;
    }
}
