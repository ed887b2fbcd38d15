package dev.specdec.bench.jmh;

import dev.specdec.kernels.ComputePool;
import dev.specdec.kernels.GgmlType;
import dev.specdec.kernels.Matmul;
import dev.specdec.kernels.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The batched matmul at the Llama-3.2-1B shape's matrix sizes, per tensor type and batch size b
 * (verification of b - 1 drafts). Weights live off-heap like a mapped file, in enough copies
 * (used in turn) that they come from DRAM as in a real forward pass, not from the 32 MiB L3.
 * Weight GB/s = matrix bytes / (time per op); GFLOP/s = 2 * in * out * b / (time per op).
 * Run: {@code ./specdec jmh MatmulBenchmark -p type=Q4_0 -p b=1,5} (add -prof gc for allocation).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class MatmulBenchmark {
    @Param({"F16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    public String type;

    @Param({"1", "2", "3", "5", "9", "17"})
    public int b;
    /** in x out: attention q/o, ffn gate/up, ffn down, output. */
    @Param({"2048x2048", "2048x8192", "8192x2048", "2048x32000"})
    public String shape;

    @Param({"2"})
    public int threads;

    /** Bytes of weights cycled through: several times the last-level cache. */
    private static final long WORKING_SET = 128L << 20;

    private Arena arena;
    private Tensor[] w;
    private int next;
    private float[] x, y;
    private ComputePool pool;

    @Setup(Level.Trial)
    public void setUp() {
        String[] s = shape.split("x");
        int in = Integer.parseInt(s[0]), out = Integer.parseInt(s[1]);
        GgmlType t = GgmlType.parse(type);
        arena = Arena.ofShared();
        long rowBytes = t.bytesFor(in), matrix = rowBytes * out;
        int copies = (int) Math.max(1, (WORKING_SET + matrix - 1) / matrix);
        SplittableRandom r = new SplittableRandom(1);
        float[] row = new float[in];
        w = new Tensor[copies];
        for (int c = 0; c < copies; c++) {
            MemorySegment seg = arena.allocate(matrix, 64);
            if (c == 0) {
                for (int o = 0; o < out; o++) {
                    for (int i = 0; i < in; i++) row[i] = (float) r.nextGaussian();
                    t.format().quantize(row, 0, in, seg, o * rowBytes);
                }
            } else {
                MemorySegment.copy(w[0].data(), 0, seg, 0, matrix); // same values, other addresses
            }
            w[c] = new Tensor("w", t, new long[] {in, out}, seg);
        }
        x = new float[b * in];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        y = new float[b * out];
        pool = new ComputePool(threads);
    }

    @Benchmark
    public float[] matmul() {
        Matmul.matmul(pool, w[next], x, y, b);
        next = next + 1 == w.length ? 0 : next + 1;
        return y;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        arena.close();
    }
}
