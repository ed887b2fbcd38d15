// specdec CUDA kernels: the forward pass of kernels/Transformer on the GPU.
// Layouts match the CPU: activations are row-major float [T][n]; weights are the GGUF bytes as
// they are in the file (ggml block layouts); the KV cache is float [position][kvDim] per layer.
// Every kernel computes each activation row independently of the others, so a batch of T rows
// gives the same per-row results as T single rows (batch invariance, as on the CPU).
#include <cuda_fp16.h>
#include <stdint.h>

// ggml type ids, block sizes, block bytes and field offsets (SD_<TYPE>_<FIELD>), and the list of
// the types specdec computes with (SD_COMPUTE_TYPES): generated from GgmlType.java by LayoutHeader at
// build time (kernels/pom.xml), the same header as the C CPU kernels'. No layout number is written here.
#include "ggml_layout.h"

__device__ __forceinline__ float f16(const uint8_t* p) {
    uint16_t h = (uint16_t) p[0] | ((uint16_t) p[1] << 8);
    return __half2float(__ushort_as_half(h));
}

__device__ __forceinline__ int u8(const uint8_t* p, int i) { return p[i]; }

// the 6-bit scale / min pair j of a Q4_K / Q5_K block (KScales.java)
__device__ __forceinline__ void scale_min_k4(int j, const uint8_t* q, int* d, int* m) {
    if (j < 4) { *d = q[j] & 63; *m = q[j + 4] & 63; }
    else { *d = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4); *m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4); }
}

// the 5-bit value j (0..31) of a Q5_0 / Q5_1 block: low 4 bits from qs, bit 4 from the 32-bit qh
__device__ __forceinline__ int q5(const uint8_t* qhp, const uint8_t* qs, int j) {
    uint32_t qh = (uint32_t) qhp[0] | ((uint32_t) qhp[1] << 8) | ((uint32_t) qhp[2] << 16) | ((uint32_t) qhp[3] << 24);
    int q = qs[j & 15];
    return (j < 16 ? (q & 15) : (q >> 4)) | (((qh >> j) & 1) << 4);
}

// element i of a row that starts at w (one formula per format, mirroring the Java classes). A type
// in SD_COMPUTE_TYPES without a branch here stops the build (the static_assert at the end): adding a
// format to GgmlType/TensorFormat without its CUDA decode cannot go unnoticed.
template <int TYPE> struct always_false { static constexpr bool value = false; };

template <int TYPE>
__device__ __forceinline__ float deq(const uint8_t* w, int i) {
    if constexpr (TYPE == SD_F32_ID) return ((const float*) w)[i];
    else if constexpr (TYPE == SD_F16_ID) return f16(w + SD_F16_BYTES * i);
    else if constexpr (TYPE == SD_BF16_ID) {
        const uint8_t* e = w + SD_BF16_BYTES * i;
        uint32_t b = ((uint32_t) e[0] | ((uint32_t) e[1] << 8)) << 16;
        return __uint_as_float(b);
    }
    else if constexpr (TYPE == SD_Q8_0_ID) {
        const uint8_t* b = w + (i / SD_Q8_0_BLOCK) * SD_Q8_0_BYTES;
        return f16(b + SD_Q8_0_D) * (float) (int8_t) b[SD_Q8_0_QS + i % SD_Q8_0_BLOCK];
    }
    else if constexpr (TYPE == SD_Q4_0_ID) {
        const uint8_t* b = w + (i / SD_Q4_0_BLOCK) * SD_Q4_0_BYTES; int j = i % SD_Q4_0_BLOCK; int q = b[SD_Q4_0_QS + (j & 15)];
        return ((j < 16 ? (q & 15) : (q >> 4)) - 8) * f16(b + SD_Q4_0_D);
    }
    else if constexpr (TYPE == SD_Q4_1_ID) {
        const uint8_t* b = w + (i / SD_Q4_1_BLOCK) * SD_Q4_1_BYTES; int j = i % SD_Q4_1_BLOCK; int q = b[SD_Q4_1_QS + (j & 15)];
        return (j < 16 ? (q & 15) : (q >> 4)) * f16(b + SD_Q4_1_D) + f16(b + SD_Q4_1_M);
    }
    else if constexpr (TYPE == SD_Q5_0_ID) {
        const uint8_t* b = w + (i / SD_Q5_0_BLOCK) * SD_Q5_0_BYTES; int j = i % SD_Q5_0_BLOCK;
        return (q5(b + SD_Q5_0_QH, b + SD_Q5_0_QS, j) - 16) * f16(b + SD_Q5_0_D);
    }
    else if constexpr (TYPE == SD_Q5_1_ID) {
        const uint8_t* b = w + (i / SD_Q5_1_BLOCK) * SD_Q5_1_BYTES; int j = i % SD_Q5_1_BLOCK;
        return q5(b + SD_Q5_1_QH, b + SD_Q5_1_QS, j) * f16(b + SD_Q5_1_D) + f16(b + SD_Q5_1_M);
    }
    else if constexpr (TYPE == SD_Q4_K_ID || TYPE == SD_Q5_K_ID) {
        constexpr bool k4 = TYPE == SD_Q4_K_ID;
        constexpr int block = k4 ? SD_Q4_K_BLOCK : SD_Q5_K_BLOCK;
        const uint8_t* b = w + (i / block) * (k4 ? SD_Q4_K_BYTES : SD_Q5_K_BYTES); int e = i % block;
        int pair = e / 64, within = e % 64, hi = within >= 32, l = within % 32;
        int sc, m;
        scale_min_k4(2 * pair + hi, b + (k4 ? SD_Q4_K_SCALES : SD_Q5_K_SCALES), &sc, &m);
        const uint8_t* qs = b + (k4 ? SD_Q4_K_QS : SD_Q5_K_QS) + 32 * pair;
        int q = hi ? (qs[l] >> 4) : (qs[l] & 15);
        if constexpr (!k4) q += (b[SD_Q5_K_QH + l] >> (2 * pair + hi)) & 1 ? 16 : 0;
        return f16(b + (k4 ? SD_Q4_K_D : SD_Q5_K_D)) * sc * q - f16(b + (k4 ? SD_Q4_K_DMIN : SD_Q5_K_DMIN)) * m;
    }
    else if constexpr (TYPE == SD_Q6_K_ID) {
        const uint8_t* b = w + (i / SD_Q6_K_BLOCK) * SD_Q6_K_BYTES; int e = i % SD_Q6_K_BLOCK;
        int half = e / 128, r = e % 128, g = r / 32, l = r % 32;
        const uint8_t* ql = b + SD_Q6_K_QL + 64 * half; const uint8_t* qh = b + SD_Q6_K_QH + 32 * half;
        const int8_t* sc = (const int8_t*) (b + SD_Q6_K_SCALES + 8 * half);
        int low = (g & 1) ? ql[l + 32] : ql[l];
        low = g < 2 ? (low & 15) : (low >> 4);
        int q = (low | (((qh[l] >> (2 * g)) & 3) << 4)) - 32;
        return f16(b + SD_Q6_K_D) * sc[l / 16 + 2 * g] * q;
    }
    else if constexpr (TYPE == SD_Q2_K_ID) {
        const uint8_t* b = w + (i / SD_Q2_K_BLOCK) * SD_Q2_K_BYTES; int e = i % SD_Q2_K_BLOCK;
        int half = e / 128, r = e % 128, j = r / 32, g = (r % 32) / 16, l = r % 16;
        int sc = b[SD_Q2_K_SCALES + half * 8 + 2 * j + g];
        int q = (b[SD_Q2_K_QS + 32 * half + 16 * g + l] >> (2 * j)) & 3;
        return f16(b + SD_Q2_K_D) * (sc & 15) * q - f16(b + SD_Q2_K_DMIN) * (sc >> 4);
    }
    else if constexpr (TYPE == SD_Q3_K_ID) {
        const uint8_t* b = w + (i / SD_Q3_K_BLOCK) * SD_Q3_K_BYTES; int e = i % SD_Q3_K_BLOCK;
        int half = e / 128, r = e % 128, j = r / 32, g = (r % 32) / 16, l = r % 16;
        int s = half * 8 + 2 * j + g;
        const uint8_t* scales = b + SD_Q3_K_SCALES;
        int low = s < 8 ? (scales[s] & 15) : (scales[s - 8] >> 4);
        int high = (scales[8 + (s & 3)] >> (2 * (s >> 2))) & 3;
        int scale = (low | (high << 4)) - 32;
        int lo2 = (b[SD_Q3_K_QS + 32 * half + 16 * g + l] >> (2 * j)) & 3;
        int hm = (b[SD_Q3_K_HMASK + 16 * g + l] >> (4 * half + j)) & 1;
        return f16(b + SD_Q3_K_D) * scale * (lo2 - (hm ? 0 : 4));
    }
    else static_assert(always_false<TYPE>::value, "a type in SD_COMPUTE_TYPES has no CUDA decode in deq<TYPE>");
}

__device__ __forceinline__ float block_sum(float v, float* shared) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffff, v, o);
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0) shared[warp] = v;
    __syncthreads();
    float s = 0.f;
    if (threadIdx.x == 0) {
        for (int i = 0; i < (blockDim.x + 31) / 32; i++) s += shared[i];   // fixed order: deterministic
        shared[0] = s;
    }
    __syncthreads();
    s = shared[0];
    __syncthreads();
    return s;
}

// y[t][row] = W[row] . x[t] for t < T. One block per output row; each weight element is decoded
// from the same bytes for every t (the row stays in L1/L2 across t).
template <int TYPE>
__device__ void matmul_impl(const uint8_t* w, long rowBytes, const float* x, float* y, int in, int out, int T) {
    __shared__ float shared[32];
    int row = blockIdx.x;
    const uint8_t* wr = w + (long) row * rowBytes;
    for (int t = 0; t < T; t++) {
        const float* xt = x + (long) t * in;
        float acc = 0.f;
        for (int i = threadIdx.x; i < in; i += blockDim.x) acc += deq<TYPE>(wr, i) * xt[i];
        float s = block_sum(acc, shared);
        if (threadIdx.x == 0) y[(long) t * out + row] = s;
    }
}

// one entry point per computed type: matmul_f32, matmul_q4_0, ... (the names CudaKernel.MATMUL builds)
#define MATMUL(TYPE, NAME) \
    extern "C" __global__ void matmul_##NAME(const uint8_t* w, long rowBytes, const float* x, float* y, int in, int out, int T) { \
        matmul_impl<SD_##TYPE##_ID>(w, rowBytes, x, y, in, out, T); }
SD_COMPUTE_TYPES(MATMUL)

// out[t] = embedding row tokens[t] * scale
template <int TYPE>
__device__ void embed_impl(const uint8_t* w, long rowBytes, const int* tokens, float* out, int dim, float scale) {
    int t = blockIdx.x;
    const uint8_t* wr = w + (long) tokens[t] * rowBytes;
    for (int i = threadIdx.x; i < dim; i += blockDim.x) out[(long) t * dim + i] = deq<TYPE>(wr, i) * scale;
}

// one entry point per computed type: embed_f32, embed_q4_0, ... (the names CudaKernel.EMBED builds)
#define EMBED(TYPE, NAME) \
    extern "C" __global__ void embed_##NAME(const uint8_t* w, long rowBytes, const int* tokens, float* out, int dim, float scale) { \
        embed_impl<SD_##TYPE##_ID>(w, rowBytes, tokens, out, dim, scale); }
SD_COMPUTE_TYPES(EMBED)

// out[t] = x[t] / sqrt(mean(x[t]^2) + eps) * w ; one block per row
extern "C" __global__ void rmsnorm(const float* x, const float* w, float* out, int n, float eps) {
    __shared__ float shared[32];
    const float* xr = x + (long) blockIdx.x * n;
    float* o = out + (long) blockIdx.x * n;
    float ss = 0.f;
    for (int i = threadIdx.x; i < n; i += blockDim.x) ss += xr[i] * xr[i];
    ss = block_sum(ss, shared);
    float scale = rsqrtf(ss / n + eps);
    for (int i = threadIdx.x; i < n; i += blockDim.x) o[i] = xr[i] * scale * w[i];
}

// rotary embedding of `heads` heads of headDim values per row; row t is at position pos0 + t
extern "C" __global__ void rope(float* x, int heads, int headDim, int dims, const float* invFreq, int pos0, int neox, float mscale) {
    int t = blockIdx.x, half = dims / 2;
    float* xr = x + (long) t * heads * headDim;
    for (int k = threadIdx.x; k < heads * half; k += blockDim.x) {
        int h = k / half, i = k % half;
        float angle = (float) (pos0 + t) * invFreq[i];
        float c = cosf(angle) * mscale, s = sinf(angle) * mscale;
        int a = h * headDim + (neox ? i : 2 * i);
        int b = neox ? a + half : a + 1;
        float x0 = xr[a], x1 = xr[b];
        xr[a] = x0 * c - x1 * s;
        xr[b] = x0 * s + x1 * c;
    }
}

// causal attention: one block per (row t, head h); scores in dynamic shared memory
extern "C" __global__ void attention(const float* q, const float* kc, const float* vc, float* out, int heads, int kvHeads, int headDim,
                                     int kvDim, int pos0, int window, float scale, float softcap) {
    extern __shared__ float scores[];
    __shared__ float red[32];
    int t = blockIdx.x / heads, h = blockIdx.x % heads, p = pos0 + t;
    int lo = window > 0 ? max(0, p - window + 1) : 0;
    const float* qr = q + ((long) t * heads + h) * headDim;
    int kvOff = (h / (heads / kvHeads)) * headDim;
    for (int j = lo + threadIdx.x; j <= p; j += blockDim.x) {
        const float* kr = kc + (long) j * kvDim + kvOff;
        float s = 0.f;
        for (int d = 0; d < headDim; d++) s += qr[d] * kr[d];
        s *= scale;
        if (softcap > 0.f) s = softcap * tanhf(s / softcap);
        scores[j - lo] = s;
    }
    __syncthreads();
    float m = -INFINITY;
    for (int j = threadIdx.x; j <= p - lo; j += blockDim.x) m = fmaxf(m, scores[j]);
    for (int o = 16; o > 0; o >>= 1) m = fmaxf(m, __shfl_down_sync(0xffffffff, m, o));
    if ((threadIdx.x & 31) == 0) red[threadIdx.x >> 5] = m;
    __syncthreads();
    if (threadIdx.x == 0) { float mm = -INFINITY; for (int i = 0; i < (blockDim.x + 31) / 32; i++) mm = fmaxf(mm, red[i]); red[0] = mm; }
    __syncthreads();
    m = red[0];
    __syncthreads();
    float sum = 0.f;
    for (int j = threadIdx.x; j <= p - lo; j += blockDim.x) { float e = expf(scores[j] - m); scores[j] = e; sum += e; }
    sum = block_sum(sum, red);
    float inv = 1.f / sum;
    float* o = out + ((long) t * heads + h) * headDim;
    for (int d = threadIdx.x; d < headDim; d += blockDim.x) {
        float acc = 0.f;
        for (int j = lo; j <= p; j++) acc += scores[j - lo] * vc[(long) j * kvDim + kvOff + d];
        o[d] = acc * inv;
    }
}

// element-wise helpers over n values
extern "C" __global__ void silu_mul(float* a, const float* b, long n) {
    for (long i = blockIdx.x * (long) blockDim.x + threadIdx.x; i < n; i += (long) gridDim.x * blockDim.x) {
        float g = a[i]; a[i] = g / (1.f + expf(-g)) * b[i];
    }
}

extern "C" __global__ void gelu_mul(float* a, const float* b, long n) {
    for (long i = blockIdx.x * (long) blockDim.x + threadIdx.x; i < n; i += (long) gridDim.x * blockDim.x) {
        float x = a[i];
        a[i] = 0.5f * x * (1.f + tanhf(0.7978845608028654f * (x + 0.044715f * x * x * x))) * b[i];
    }
}

extern "C" __global__ void add(float* x, const float* y, long n) {
    for (long i = blockIdx.x * (long) blockDim.x + threadIdx.x; i < n; i += (long) gridDim.x * blockDim.x) x[i] += y[i];
}

// x[t][i] += bias[i] for rows of n
extern "C" __global__ void add_bias(float* x, const float* bias, int n, long total) {
    for (long i = blockIdx.x * (long) blockDim.x + threadIdx.x; i < total; i += (long) gridDim.x * blockDim.x) x[i] += bias[i % n];
}

extern "C" __global__ void softcap(float* x, long n, float cap) {
    for (long i = blockIdx.x * (long) blockDim.x + threadIdx.x; i < n; i += (long) gridDim.x * blockDim.x) x[i] = cap * tanhf(x[i] / cap);
}

// dst[t][dstOff + i] = src[t][srcOff + i] for i < n: splitting fused q/k/v and gate/up rows
extern "C" __global__ void copy_cols(const float* src, float* dst, int rows, int srcStride, int srcOff, int dstStride, int dstOff, int n) {
    for (long k = blockIdx.x * (long) blockDim.x + threadIdx.x; k < (long) rows * n; k += (long) gridDim.x * blockDim.x) {
        long t = k / n, i = k % n;
        dst[t * dstStride + dstOff + i] = src[t * srcStride + srcOff + i];
    }
}
