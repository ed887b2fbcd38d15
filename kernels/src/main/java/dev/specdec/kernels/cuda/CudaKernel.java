package dev.specdec.kernels.cuda;

import static dev.specdec.kernels.cuda.CudaKernel.Arg.FLOAT;
import static dev.specdec.kernels.cuda.CudaKernel.Arg.INT;
import static dev.specdec.kernels.cuda.CudaKernel.Arg.LONG;
import static dev.specdec.kernels.cuda.CudaKernel.Arg.PTR;

import dev.specdec.kernels.GgmlType;
import java.util.Locale;

/**
 * The entry points of {@code kernels/src/main/cuda/specdec.cu}, so that no launch names a kernel by
 * a string. A per-type kernel ({@link #MATMUL}, {@link #EMBED}) has one entry point per type that
 * has a {@link dev.specdec.kernels.TensorFormat}, named {@code <kernel>_<type in lower case>}: the
 * .cu makes them from the {@code SD_COMPUTE_TYPES} X-macro of the generated {@code ggml_layout.h},
 * whose suffixes come from {@link #typeSuffix}. Each kernel states its parameter types; every
 * launch is checked against them ({@link Cuda#launch}), and {@code CudaKernelTest} checks the
 * names and the signatures against the .cu source.
 */
public enum CudaKernel {
    /** y[t][row] = W[row] . x[t]: (w, rowBytes, x, y, in, out, T), one block per output row. */
    MATMUL(true, PTR, LONG, PTR, PTR, INT, INT, INT),
    /** out[t] = row tokens[t] of W * scale: (w, rowBytes, tokens, out, dim, scale), one block per row. */
    EMBED(true, PTR, LONG, PTR, PTR, INT, FLOAT),
    /** (x, w, out, n, eps), one block per row. */
    RMSNORM(false, PTR, PTR, PTR, INT, FLOAT),
    /** (x, heads, headDim, dims, invFreq, pos0, neox, mscale), one block per row. */
    ROPE(false, PTR, INT, INT, INT, PTR, INT, INT, FLOAT),
    /** (q, kc, vc, out, heads, kvHeads, headDim, kvDim, pos0, window, scale, softcap), one block per (row, head). */
    ATTENTION(false, PTR, PTR, PTR, PTR, INT, INT, INT, INT, INT, INT, FLOAT, FLOAT),
    /** a = silu(a) * b: (a, b, n). */
    SILU_MUL(false, PTR, PTR, LONG),
    /** a = gelu_tanh(a) * b: (a, b, n). */
    GELU_MUL(false, PTR, PTR, LONG),
    /** x += y: (x, y, n). */
    ADD(false, PTR, PTR, LONG),
    /** x[t][i] += bias[i]: (x, bias, n, total). */
    ADD_BIAS(false, PTR, PTR, INT, LONG),
    /** x = cap * tanh(x / cap): (x, n, cap). */
    SOFTCAP(false, PTR, LONG, FLOAT),
    /** dst[t][dstOff + i] = src[t][srcOff + i]: (src, dst, rows, srcStride, srcOff, dstStride, dstOff, n). */
    COPY_COLS(false, PTR, PTR, INT, INT, INT, INT, INT, INT);

    /** A kernel parameter's type as the launch passes it: a device pointer, or a 32-bit int, 64-bit long or float by value. */
    public enum Arg {
        PTR,
        INT,
        LONG,
        FLOAT;

        boolean accepts(Object a) {
            return switch (this) {
                case PTR -> a instanceof jcuda.driver.CUdeviceptr;
                case INT -> a instanceof Integer;
                case LONG -> a instanceof Long;
                case FLOAT -> a instanceof Float;
            };
        }
    }

    private final boolean perType;
    private final Arg[] params;

    CudaKernel(boolean perType, Arg... params) {
        this.perType = perType;
        this.params = params;
    }

    /** The parameter types of the entry point, in order (CudaKernelTest compares them with the .cu signatures). */
    public java.util.List<Arg> params() {
        return java.util.List.of(params);
    }

    /**
     * Checks a launch's arguments against the signature, before the driver sees them: a wrong count
     * or an int where the kernel reads a long would otherwise read garbage on the device, silently.
     */
    void checkArguments(Object[] args) {
        if (args.length != params.length) {
            throw new IllegalArgumentException(this + " takes " + params.length + " arguments, got " + args.length);
        }
        for (int i = 0; i < args.length; i++) {
            if (!params[i].accepts(args[i])) {
                throw new IllegalArgumentException(this + " argument " + i + " must be " + params[i] + ", got "
                        + (args[i] == null ? "null" : args[i].getClass().getSimpleName()));
            }
        }
    }

    /** Whether this kernel has one entry point per computed type. */
    public boolean perType() {
        return perType;
    }

    /** The entry point of a kernel that is not per type. */
    public String symbol() {
        if (perType) throw new IllegalArgumentException(this + " has one entry point per type: name the type");
        return name().toLowerCase(Locale.ROOT);
    }

    /** The entry point of a per-type kernel for {@code type}. */
    public String symbol(GgmlType type) {
        if (!perType) throw new IllegalArgumentException(this + " is not per type");
        if (type.format() == null)
            throw new IllegalArgumentException("no CUDA kernels for " + type + " (specdec does not compute with it)");
        return name().toLowerCase(Locale.ROOT) + "_" + typeSuffix(type);
    }

    /** The suffix of a type's entry points ({@code q4_0} in {@code matmul_q4_0}); the generated header uses it too. */
    public static String typeSuffix(GgmlType type) {
        return type.name().toLowerCase(Locale.ROOT);
    }
}
