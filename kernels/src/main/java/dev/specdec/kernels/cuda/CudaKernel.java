package dev.specdec.kernels.cuda;

import dev.specdec.kernels.GgmlType;
import java.util.Locale;

/**
 * The entry points of {@code kernels/src/main/cuda/specdec.cu}, so that no launch names a kernel by
 * a string. A per-type kernel ({@link #MATMUL}, {@link #EMBED}) has one entry point per type that
 * has a {@link dev.specdec.kernels.TensorFormat}, named {@code <kernel>_<type in lower case>}: the
 * .cu makes them from the {@code SD_COMPUTE_TYPES} X-macro of the generated {@code ggml_layout.h},
 * whose suffixes come from {@link #typeSuffix}. {@code CudaKernelTest} checks this list against the
 * .cu source.
 */
public enum CudaKernel {
    /** y[t][row] = W[row] . x[t]: (w, rowBytes, x, y, in, out, T), one block per output row. */
    MATMUL(true),
    /** out[t] = row tokens[t] of W * scale: (w, rowBytes, tokens, out, dim, scale), one block per row. */
    EMBED(true),
    /** (x, w, out, n, eps), one block per row. */
    RMSNORM(false),
    /** (x, heads, headDim, dims, invFreq, pos0, neox, mscale), one block per row. */
    ROPE(false),
    /** (q, kc, vc, out, heads, kvHeads, headDim, kvDim, pos0, window, scale, softcap), one block per (row, head). */
    ATTENTION(false),
    /** a = silu(a) * b: (a, b, n). */
    SILU_MUL(false),
    /** a = gelu_tanh(a) * b: (a, b, n). */
    GELU_MUL(false),
    /** x += y: (x, y, n). */
    ADD(false),
    /** x[t][i] += bias[i]: (x, bias, n, total). */
    ADD_BIAS(false),
    /** x = cap * tanh(x / cap): (x, n, cap). */
    SOFTCAP(false),
    /** dst[t][dstOff + i] = src[t][srcOff + i]: (src, dst, rows, srcStride, srcOff, dstStride, dstOff, n). */
    COPY_COLS(false);

    private final boolean perType;

    CudaKernel(boolean perType) { this.perType = perType; }

    /** Whether this kernel has one entry point per computed type. */
    public boolean perType() { return perType; }

    /** The entry point of a kernel that is not per type. */
    public String symbol() {
        if (perType) throw new IllegalArgumentException(this + " has one entry point per type: name the type");
        return name().toLowerCase(Locale.ROOT);
    }

    /** The entry point of a per-type kernel for {@code type}. */
    public String symbol(GgmlType type) {
        if (!perType) throw new IllegalArgumentException(this + " is not per type");
        if (type.format() == null) throw new IllegalArgumentException("no CUDA kernels for " + type + " (specdec does not compute with it)");
        return name().toLowerCase(Locale.ROOT) + "_" + typeSuffix(type);
    }

    /** The suffix of a type's entry points ({@code q4_0} in {@code matmul_q4_0}); the generated header uses it too. */
    public static String typeSuffix(GgmlType type) { return type.name().toLowerCase(Locale.ROOT); }
}
