/*
 * specdec's native CPU matrix products, called from Java through Panama FFM (NativeKernels.java).
 *
 * One source, compiled once per instruction-set level (see kernels/pom.xml): the plain AVX2 build
 * (AVX2 + FMA + F16C, 16 vector registers) and the VNNI builds, where one vpdpbusd replaces the
 * maddubs + madd pair of the int8 dot products and the 32 registers of AVX-512VL allow taller tiles.
 *
 * The scheme (as in llama.cpp's CPU backend): activation rows are quantized ONCE per matmul to 8-bit
 * blocks (32-value blocks with one float scale for the Q4_0/Q8_0 weights; 256-value super-blocks
 * with one scale and sums per 16 values for the K-quants), then each weight block is unpacked once
 * and multiplied in integers into every activation row of a tile (up to TB_MAX rows) while it sits in
 * registers; floats only appear once per block (per super-block for the K-quants).
 *
 * Batch invariance: every activation row t owns its accumulators, and the operations applied to them
 * (which integer products, which scale, which accumulator: even blocks to a0, odd blocks to a1, then
 * one fixed horizontal-sum tree) are the same whatever the tile height or the number of rows, so a
 * row's result is bitwise the same alone or in any batch. Intrinsics only, compiled without
 * fast-math and with -ffp-contract=off, so the compiler cannot reassociate or fuse differently per
 * tile. Integer block sums are exact.
 */
#include <immintrin.h>
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include "ggml_layout.h"   /* generated from GgmlType at build time: type ids, block sizes, block bytes, field offsets */

#ifndef SD_LEVEL
#error "SD_LEVEL (the instruction-set level name) must be defined by the build"
#endif

#define ALWAYS static inline __attribute__((always_inline))
/* Software prefetch this many bytes ahead of the weight stream: the hardware prefetchers alone left
 * a single-row Q4_0 pass at 4.2 GB/s per core from DRAM against 11 from L2 (measured, 1024 bytes
 * ahead: 9.2); one row's blocks are too little work per cache line to hide the latency otherwise. */
#ifndef SD_PREFETCH
#define SD_PREFETCH 1024
#endif
ALWAYS void prefetch_lines(const void *p, int bytes) {
    for (int o = 0; o < bytes; o += 64) _mm_prefetch((const char *) p + SD_PREFETCH + o, _MM_HINT_T0);
}
#define EXPORT __attribute__((visibility("default")))

/* ---- block layouts: sizes checked against GgmlType's (the generated header) ---- */
typedef struct __attribute__((packed)) { uint16_t d; uint8_t qs[16]; } block_q4_0;
typedef struct __attribute__((packed)) { uint16_t d; int8_t qs[32]; } block_q8_0;
typedef struct __attribute__((packed)) { uint16_t d, dmin; uint8_t scales[12]; uint8_t qs[128]; } block_q4_K;
typedef struct __attribute__((packed)) { uint16_t d, dmin; uint8_t scales[12]; uint8_t qh[32]; uint8_t qs[128]; } block_q5_K;
typedef struct __attribute__((packed)) { uint8_t ql[128]; uint8_t qh[64]; int8_t scales[16]; uint16_t d; } block_q6_K;
_Static_assert(sizeof(block_q4_0) == SD_Q4_0_BYTES && SD_Q4_0_BLOCK == 32, "Q4_0 layout");
_Static_assert(sizeof(block_q8_0) == SD_Q8_0_BYTES && SD_Q8_0_BLOCK == 32, "Q8_0 layout");
_Static_assert(sizeof(block_q4_K) == SD_Q4_K_BYTES && SD_Q4_K_BLOCK == 256, "Q4_K layout");
_Static_assert(sizeof(block_q5_K) == SD_Q5_K_BYTES && SD_Q5_K_BLOCK == 256, "Q5_K layout");
_Static_assert(sizeof(block_q6_K) == SD_Q6_K_BYTES && SD_Q6_K_BLOCK == 256, "Q6_K layout");
_Static_assert(offsetof(block_q4_0, d) == SD_Q4_0_D && offsetof(block_q4_0, qs) == SD_Q4_0_QS, "Q4_0 fields");
_Static_assert(offsetof(block_q8_0, d) == SD_Q8_0_D && offsetof(block_q8_0, qs) == SD_Q8_0_QS, "Q8_0 fields");
_Static_assert(offsetof(block_q4_K, d) == SD_Q4_K_D && offsetof(block_q4_K, dmin) == SD_Q4_K_DMIN
               && offsetof(block_q4_K, scales) == SD_Q4_K_SCALES && offsetof(block_q4_K, qs) == SD_Q4_K_QS, "Q4_K fields");
_Static_assert(offsetof(block_q5_K, d) == SD_Q5_K_D && offsetof(block_q5_K, dmin) == SD_Q5_K_DMIN
               && offsetof(block_q5_K, scales) == SD_Q5_K_SCALES && offsetof(block_q5_K, qh) == SD_Q5_K_QH
               && offsetof(block_q5_K, qs) == SD_Q5_K_QS, "Q5_K fields");
_Static_assert(offsetof(block_q6_K, ql) == SD_Q6_K_QL && offsetof(block_q6_K, qh) == SD_Q6_K_QH
               && offsetof(block_q6_K, scales) == SD_Q6_K_SCALES && offsetof(block_q6_K, d) == SD_Q6_K_D, "Q6_K fields");

/* ---- the instruction-set level ---- */
#if defined(SD_VNNI_EVEX) || defined(SD_VNNI_VEX)
#define TB_MAX 8        /* 32 vector registers (AVX-512VL) or enough to keep 8 rows' accumulators */
#else
#define TB_MAX 4        /* 16 vector registers: 4 rows x 2 accumulators + the unpacked block */
#endif

/* sum over groups of four u8 x s8 products into int32 lanes */
ALWAYS __m256i dot_u8s8(__m256i u, __m256i s) {
#if defined(SD_VNNI_EVEX)
    return _mm256_dpbusd_epi32(_mm256_setzero_si256(), u, s);
#elif defined(SD_VNNI_VEX)
    return _mm256_dpbusd_avx_epi32(_mm256_setzero_si256(), u, s);
#else
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
#endif
}

ALWAYS float f16(const void *p) {
    uint16_t h;
    memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

/* The fixed horizontal-sum tree: halves, then pairs, then neighbours. */
ALWAYS float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

/* ---- activations quantized to 8 bits ----
 * One row of n values occupies act_row_bytes(n) bytes: qs[n] (int8), then the float scales (one per
 * 32 values for ACT_Q8_0, one per 256 for ACT_Q8_K), then for ACT_Q8_K the int16 sums per 16 values. */
enum { ACT_FLOAT = 0, ACT_Q8_0 = 1, ACT_Q8_K = 2 };

static size_t act_row_bytes(int n) {
    size_t b = (size_t) n + 4 * (size_t) ((n + 31) / 32) + 2 * (size_t) ((n + 15) / 16);
    return (b + 63) & ~(size_t) 63;
}

/* amax of 32 floats, scale d = amax / 127 (kept at half precision), values rounded to nearest (ties to even) */
ALWAYS void quantize_32(const float *x, int8_t *q, float *dout) {
    const __m256 signbit = _mm256_set1_ps(-0.0f);
    __m256 v[4], m = _mm256_setzero_ps();
    for (int k = 0; k < 4; k++) { v[k] = _mm256_loadu_ps(x + 8 * k); m = _mm256_max_ps(m, _mm256_andnot_ps(signbit, v[k])); }
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_shuffle_ps(s, s, 1));
    float amax = _mm_cvtss_f32(s);
    float d = amax / 127.0f, id = d != 0.0f ? 127.0f / amax : 0.0f;
    /* the scale is kept at half precision, as ggml's block_q8_0 stores it: the products then match
     * llama.cpp's to float rounding, which makes its logits a close reference for this path */
    *dout = _cvtsh_ss(_cvtss_sh(d, _MM_FROUND_TO_NEAREST_INT));
    __m256 vid = _mm256_set1_ps(id);
    __m256i i0 = _mm256_cvtps_epi32(_mm256_mul_ps(v[0], vid)), i1 = _mm256_cvtps_epi32(_mm256_mul_ps(v[1], vid));
    __m256i i2 = _mm256_cvtps_epi32(_mm256_mul_ps(v[2], vid)), i3 = _mm256_cvtps_epi32(_mm256_mul_ps(v[3], vid));
    __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
    /* the packs interleave 128-bit lanes: restore element order */
    p = _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    _mm256_storeu_si256((__m256i *) q, p);
}

static void quantize_row(int kind, const float *x, int n, uint8_t *out) {
    int8_t *qs = (int8_t *) out;
    float *d = (float *) (out + n);
    if (kind == ACT_Q8_0) {
        for (int b = 0; b < n / 32; b++) quantize_32(x + 32 * b, qs + 32 * b, d + b);
#if defined(SD_VNNI_EVEX)
        /* stored as x + 128 (unsigned): vpdpbusd then multiplies them with the signed weights directly */
        for (int i = 0; i < n; i += 32) {
            __m256i v = _mm256_loadu_si256((const __m256i *) (qs + i));
            _mm256_storeu_si256((__m256i *) (qs + i), _mm256_xor_si256(v, _mm256_set1_epi8((char) 0x80)));
        }
#endif
        return;
    }
    /* ACT_Q8_K: one scale per 256 values, and the sum of each 16 quantized values */
    int16_t *bsums = (int16_t *) (out + n + 4 * ((n + 31) / 32));
    for (int b = 0; b < n / 256; b++) {
        const float *xb = x + 256 * b;
        float amax = 0.0f;
        for (int i = 0; i < 256; i++) { float a = xb[i] < 0 ? -xb[i] : xb[i]; if (a > amax) amax = a; }
        float dd = amax / 127.0f, id = dd != 0.0f ? 127.0f / amax : 0.0f;
        d[b] = dd;
        __m256 vid = _mm256_set1_ps(id);
        for (int k = 0; k < 256; k += 32) {
            __m256i i0 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(xb + k), vid));
            __m256i i1 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(xb + k + 8), vid));
            __m256i i2 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(xb + k + 16), vid));
            __m256i i3 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(xb + k + 24), vid));
            __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
            p = _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
            _mm256_storeu_si256((__m256i *) (qs + 256 * b + k), p);
        }
        for (int g = 0; g < 16; g++) {
            int s = 0;
            for (int i = 0; i < 16; i++) s += qs[256 * b + 16 * g + i];
            bsums[16 * b + g] = (int16_t) s;
        }
    }
}

/* ---- Q4_0 and Q8_0 weights x Q8_0 activations ---- */

/* one signed-int8 weight block times one activation block: 8 int32 partial sums */
ALWAYS __m256i block_dot(__m256i w_abs, __m256i w, const int8_t *xq) {
    __m256i x = _mm256_loadu_si256((const __m256i *) xq);
    return dot_u8s8(w_abs, _mm256_sign_epi8(x, w));
}

ALWAYS __m256i unpack_q4_0(const block_q4_0 *b) {
    __m128i q = _mm_loadu_si128((const __m128i *) b->qs);
    __m128i lo = _mm_and_si128(q, _mm_set1_epi8(15)), hi = _mm_and_si128(_mm_srli_epi16(q, 4), _mm_set1_epi8(15));
    return _mm256_sub_epi8(_mm256_set_m128i(hi, lo), _mm256_set1_epi8(8));
}

ALWAYS __m256i unpack_q8_0(const block_q8_0 *b) { return _mm256_loadu_si256((const __m256i *) b->qs); }

/* A tile of tb activation rows against one weight row of nb 32-blocks; W(j) unpacks block j. */
#define TILE_Q32(NAME, BLOCK_T, UNPACK)                                                              \
ALWAYS void NAME(const uint8_t *wr, int nb, const int8_t *const *xq, const float *const *xd,       \
                 float *out, const int tb) {                                                        \
    const BLOCK_T *blk = (const BLOCK_T *) wr;                                                      \
    __m256 a0[TB_MAX], a1[TB_MAX];                                                                  \
    for (int t = 0; t < tb; t++) a0[t] = a1[t] = _mm256_setzero_ps();                              \
    int j = 0;                                                                                      \
    for (; j + 2 <= nb; j += 2) {                                                                   \
        _mm_prefetch((const char *) (blk + j) + SD_PREFETCH, _MM_HINT_T0);                          \
        __m256i w0 = UNPACK(blk + j), w1 = UNPACK(blk + j + 1);                                     \
        __m256i u0 = _mm256_sign_epi8(w0, w0), u1 = _mm256_sign_epi8(w1, w1);                       \
        float d0 = f16(&blk[j].d), d1 = f16(&blk[j + 1].d);                                         \
        for (int t = 0; t < tb; t++) {                                                              \
            __m256i s0 = block_dot(u0, w0, xq[t] + 32 * j), s1 = block_dot(u1, w1, xq[t] + 32 * j + 32); \
            a0[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s0), _mm256_set1_ps(d0 * xd[t][j]), a0[t]);   \
            a1[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s1), _mm256_set1_ps(d1 * xd[t][j + 1]), a1[t]); \
        }                                                                                           \
    }                                                                                               \
    if (j < nb) {                                                                                   \
        __m256i w0 = UNPACK(blk + j), u0 = _mm256_sign_epi8(w0, w0);                                \
        float d0 = f16(&blk[j].d);                                                                  \
        for (int t = 0; t < tb; t++) {                                                              \
            __m256i s0 = block_dot(u0, w0, xq[t] + 32 * j);                                         \
            a0[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s0), _mm256_set1_ps(d0 * xd[t][j]), a0[t]);   \
        }                                                                                           \
    }                                                                                               \
    for (int t = 0; t < tb; t++) out[t] = hsum(_mm256_add_ps(a0[t], a1[t]));                        \
}
#if defined(SD_VNNI_EVEX)
/*
 * AVX-512 VNNI: two blocks per 512-bit vector. Activations are stored as u = x + 128, so one
 * vpdpbusd(init, u, w) gives sum(x * w) when init holds -128 * sum(w): init depends on the weights
 * only and is computed once per block pair for all rows. Per row and block pair that leaves one
 * load, one vpdpbusd, one conversion and the scale (lanes 0-7 block j, lanes 8-15 block j + 1).
 */
ALWAYS __m512i unpack2_q4_0(const block_q4_0 *b) {
    __m256i q = _mm256_set_m128i(_mm_loadu_si128((const __m128i *) b[1].qs), _mm_loadu_si128((const __m128i *) b[0].qs));
    __m256i lo = _mm256_and_si256(q, _mm256_set1_epi8(15)), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), _mm256_set1_epi8(15));
    /* [lo b0 | lo b1] and [hi b0 | hi b1] -> [lo b0, hi b0, lo b1, hi b1] in 16-byte quarters */
    __m512i w = _mm512_permutex2var_epi64(_mm512_castsi256_si512(lo), _mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11), _mm512_castsi256_si512(hi));
    return _mm512_sub_epi8(w, _mm512_set1_epi8(8));
}

ALWAYS __m512i unpack2_q8_0(const block_q8_0 *b) {
    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *) b[0].qs)),
                              _mm256_loadu_si256((const __m256i *) b[1].qs), 1);
}

/* [a x 8, b x 8] */
ALWAYS __m512 pair_ps(float a, float b) {
    return _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castps_pd(_mm512_castps256_ps512(_mm256_set1_ps(a))),
                                               _mm256_castps_pd(_mm256_set1_ps(b)), 1));
}

#define TILE_Q32_512(NAME, BLOCK_T, UNPACK2)                                                         \
ALWAYS void NAME(const uint8_t *wr, int nb, const int8_t *const *xq, const float *const *xd,       \
                 float *out, const int tb) {                                                        \
    const BLOCK_T *blk = (const BLOCK_T *) wr;                                                      \
    const __m512i u128 = _mm512_set1_epi8((char) 0x80);                                             \
    const __m512i pick = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);         \
    __m512 acc[TB_MAX];                                                                             \
    for (int t = 0; t < tb; t++) acc[t] = _mm512_setzero_ps();                                     \
    int j = 0;                                                                                      \
    for (; j + 2 <= nb; j += 2) {                                                                   \
        _mm_prefetch((const char *) (blk + j) + SD_PREFETCH, _MM_HINT_T0);                          \
        __m512i w = UNPACK2(blk + j);                                                               \
        __m512i init = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_dpbusd_epi32(_mm512_setzero_si512(), u128, w)); \
        __m512 dw = pair_ps(f16(&blk[j].d), f16(&blk[j + 1].d));                                    \
        for (int t = 0; t < tb; t++) {                                                              \
            __m512i s = _mm512_dpbusd_epi32(init, _mm512_loadu_si512((const void *) (xq[t] + 32 * j)), w); \
            __m512 dx = _mm512_permutexvar_ps(pick, _mm512_castps128_ps512(_mm_castpd_ps(_mm_load_sd((const double *) (xd[t] + j))))); \
            acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_mul_ps(dw, dx), acc[t]);         \
        }                                                                                           \
    }                                                                                               \
    if (j < nb) {   /* an odd last block: the upper half of the vector is zero */                  \
        __m256i w0 = UNPACK_ONE(blk + j);                                                           \
        __m512i wz = _mm512_zextsi256_si512(w0);                                                    \
        __m512i init = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_dpbusd_epi32(_mm512_setzero_si512(), u128, wz)); \
        __m512 dw = pair_ps(f16(&blk[j].d), 0.0f);                                                  \
        for (int t = 0; t < tb; t++) {                                                              \
            __m512i x = _mm512_zextsi256_si512(_mm256_loadu_si256((const __m256i *) (xq[t] + 32 * j))); \
            __m512i s = _mm512_dpbusd_epi32(init, x, wz);                                           \
            acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_mul_ps(dw, _mm512_set1_ps(xd[t][j])), acc[t]); \
        }                                                                                           \
    }                                                                                               \
    for (int t = 0; t < tb; t++) out[t] = hsum(_mm256_add_ps(_mm512_castps512_ps256(acc[t]), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(acc[t]), 1)))); \
}
/*
 * Two weight rows against a tile of activation rows: each activation block pair and its scales are
 * loaded once for both rows (a quarter of the work per product in the one-row tile). Every output
 * gets exactly the operations of the one-row tile, in the same order, so the results are bitwise
 * the same as TILE_Q32_512's: only which loads are shared changes. The prefetch reaches the next
 * pair's rows at the same position (ahead = two rows): a fixed distance would fetch lines of the
 * second row that its own stream is reading already, and leave every other next row cold (measured:
 * 8 rows 6.9 ms that way against 5.0 ms).
 */
#define TILE2_Q32_512(NAME, BLOCK_T, UNPACK2)                                                        \
ALWAYS void NAME(const uint8_t *wr0, const uint8_t *wr1, int nb, const int8_t *const *xq,          \
                 const float *const *xd, float *out0, float *out1, const int tb, const int64_t ahead) { \
    const BLOCK_T *b0 = (const BLOCK_T *) wr0, *b1 = (const BLOCK_T *) wr1;                         \
    const __m512i u128 = _mm512_set1_epi8((char) 0x80);                                             \
    const __m512i pick = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);         \
    __m512 acc0[TB_MAX], acc1[TB_MAX];                                                              \
    for (int t = 0; t < tb; t++) acc0[t] = acc1[t] = _mm512_setzero_ps();                          \
    int j = 0;                                                                                      \
    for (; j + 2 <= nb; j += 2) {                                                                   \
        _mm_prefetch((const char *) (b0 + j) + ahead, _MM_HINT_T0);                                 \
        _mm_prefetch((const char *) (b1 + j) + ahead, _MM_HINT_T0);                                 \
        __m512i w0 = UNPACK2(b0 + j), w1 = UNPACK2(b1 + j);                                         \
        __m512i i0 = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_dpbusd_epi32(_mm512_setzero_si512(), u128, w0)); \
        __m512i i1 = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_dpbusd_epi32(_mm512_setzero_si512(), u128, w1)); \
        __m512 dw0 = pair_ps(f16(&b0[j].d), f16(&b0[j + 1].d)), dw1 = pair_ps(f16(&b1[j].d), f16(&b1[j + 1].d)); \
        for (int t = 0; t < tb; t++) {                                                              \
            __m512i x = _mm512_loadu_si512((const void *) (xq[t] + 32 * j));                        \
            __m512 dx = _mm512_permutexvar_ps(pick, _mm512_castps128_ps512(_mm_castpd_ps(_mm_load_sd((const double *) (xd[t] + j))))); \
            acc0[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_dpbusd_epi32(i0, x, w0)), _mm512_mul_ps(dw0, dx), acc0[t]); \
            acc1[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_dpbusd_epi32(i1, x, w1)), _mm512_mul_ps(dw1, dx), acc1[t]); \
        }                                                                                           \
    }                                                                                               \
    if (j < nb) {   /* an odd last block: the upper half of the vector is zero */                  \
        __m512i w0 = _mm512_zextsi256_si512(UNPACK_ONE(b0 + j)), w1 = _mm512_zextsi256_si512(UNPACK_ONE(b1 + j)); \
        __m512i i0 = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_dpbusd_epi32(_mm512_setzero_si512(), u128, w0)); \
        __m512i i1 = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_dpbusd_epi32(_mm512_setzero_si512(), u128, w1)); \
        __m512 dw0 = pair_ps(f16(&b0[j].d), 0.0f), dw1 = pair_ps(f16(&b1[j].d), 0.0f);              \
        for (int t = 0; t < tb; t++) {                                                              \
            __m512i x = _mm512_zextsi256_si512(_mm256_loadu_si256((const __m256i *) (xq[t] + 32 * j))); \
            __m512 dx = _mm512_set1_ps(xd[t][j]);                                                   \
            acc0[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_dpbusd_epi32(i0, x, w0)), _mm512_mul_ps(dw0, dx), acc0[t]); \
            acc1[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_dpbusd_epi32(i1, x, w1)), _mm512_mul_ps(dw1, dx), acc1[t]); \
        }                                                                                           \
    }                                                                                               \
    for (int t = 0; t < tb; t++) {                                                                  \
        out0[t] = hsum(_mm256_add_ps(_mm512_castps512_ps256(acc0[t]), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(acc0[t]), 1)))); \
        out1[t] = hsum(_mm256_add_ps(_mm512_castps512_ps256(acc1[t]), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(acc1[t]), 1)))); \
    }                                                                                               \
}
#define UNPACK_ONE unpack_q4_0
TILE_Q32_512(tile_q4_0, block_q4_0, unpack2_q4_0)
TILE2_Q32_512(tile2_q4_0, block_q4_0, unpack2_q4_0)
#undef UNPACK_ONE
#define UNPACK_ONE unpack_q8_0
TILE_Q32_512(tile_q8_0, block_q8_0, unpack2_q8_0)
TILE2_Q32_512(tile2_q8_0, block_q8_0, unpack2_q8_0)
#undef UNPACK_ONE
#define SD_TWO_ROWS 1
#else
TILE_Q32(tile_q4_0, block_q4_0, unpack_q4_0)
TILE_Q32(tile_q8_0, block_q8_0, unpack_q8_0)
#endif

/* ---- K-quants x Q8_K activations ---- */

/* ggml's get_scale_min_k4: eight 6-bit scales and mins from the 12-byte field */
ALWAYS void k_scales(const uint8_t *q, uint8_t *sc, uint8_t *m) {
    for (int j = 0; j < 4; j++) { sc[j] = q[j] & 63; m[j] = q[j + 4] & 63; }
    for (int j = 4; j < 8; j++) {
        sc[j] = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
        m[j] = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
    }
}

/* the eight mins, each repeated for the two 16-value sums of its sub-block */
ALWAYS __m256i mins_x2(const uint8_t *m) {
    __m128i v = _mm_cvtepu8_epi16(_mm_loadl_epi64((const __m128i *) m));
    return _mm256_set_m128i(_mm_unpackhi_epi16(v, v), _mm_unpacklo_epi16(v, v));
}

/*
 * Integer sums of 64 unsigned weights times 64 activations, each half (32 values) with its own
 * 16-bit scale: one 512-bit maddubs + madd on AVX-512, two 256-bit ones elsewhere. Integer sums are
 * exact, so both give the same result; kacc_fold brings the accumulator to 8 lanes.
 */
#if defined(SD_VNNI_EVEX)
typedef __m512i kacc_t;
typedef __m512i kq_t;
ALWAYS kacc_t kacc_zero(void) { return _mm512_setzero_si512(); }
ALWAYS kq_t kq_pair(__m256i lo, __m256i hi) { return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1); }
ALWAYS kacc_t kacc_add(kacc_t a, kq_t q, kq_t sc, const int8_t *x) {
    return _mm512_add_epi32(a, _mm512_madd_epi16(_mm512_maddubs_epi16(q, _mm512_loadu_si512((const void *) x)), sc));
}
ALWAYS __m256i kacc_fold(kacc_t a) { return _mm256_add_epi32(_mm512_castsi512_si256(a), _mm512_extracti64x4_epi64(a, 1)); }
#else
typedef __m256i kacc_t;
typedef struct { __m256i lo, hi; } kq_t;
ALWAYS kacc_t kacc_zero(void) { return _mm256_setzero_si256(); }
ALWAYS kq_t kq_pair(__m256i lo, __m256i hi) { kq_t r = {lo, hi}; return r; }
ALWAYS kacc_t kacc_add(kacc_t a, kq_t q, kq_t sc, const int8_t *x) {
    __m256i plo = _mm256_maddubs_epi16(q.lo, _mm256_loadu_si256((const __m256i *) x));
    __m256i phi = _mm256_maddubs_epi16(q.hi, _mm256_loadu_si256((const __m256i *) (x + 32)));
    return _mm256_add_epi32(a, _mm256_add_epi32(_mm256_madd_epi16(plo, sc.lo), _mm256_madd_epi16(phi, sc.hi)));
}
ALWAYS __m256i kacc_fold(kacc_t a) { return a; }
#endif

/* values 0..31 of a 64-value chunk are low nibbles (sub-block 2c), 32..63 high nibbles (2c+1) */
#define TILE_KQ_MIN(NAME, BLOCK_T, UNPACK5)                                                          \
ALWAYS void NAME(const uint8_t *wr, int nsb, const int8_t *const *xq, const float *const *xd,      \
                 const int16_t *const *bs, float *out, const int tb) {                              \
    const BLOCK_T *blk = (const BLOCK_T *) wr;                                                      \
    const __m256i m4 = _mm256_set1_epi8(15);                                                        \
    __m256 a0[TB_MAX], a1[TB_MAX];                                                                  \
    for (int t = 0; t < tb; t++) a0[t] = a1[t] = _mm256_setzero_ps();                              \
    for (int i = 0; i < nsb; i++) {                                                                 \
        const BLOCK_T *b = blk + i;                                                                 \
        prefetch_lines(b, sizeof(BLOCK_T));                                                         \
        uint8_t sc[8], mn[8];                                                                       \
        k_scales(b->scales, sc, mn);                                                                \
        float d = f16(&b->d), dmin = f16(&b->dmin);                                                 \
        __m256i mins = mins_x2(mn);                                                                 \
        kacc_t sumi[TB_MAX];                                                                        \
        for (int t = 0; t < tb; t++) sumi[t] = kacc_zero();                                         \
        UNPACK5                                                                                     \
        for (int c = 0; c < 4; c++) {                                                               \
            __m256i q = _mm256_loadu_si256((const __m256i *) (b->qs + 32 * c));                     \
            __m256i lo = _mm256_and_si256(q, m4), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), m4); \
            HIGH_BIT(c)                                                                             \
            kq_t qq = kq_pair(lo, hi), scv = kq_pair(_mm256_set1_epi16(sc[2 * c]), _mm256_set1_epi16(sc[2 * c + 1])); \
            for (int t = 0; t < tb; t++) sumi[t] = kacc_add(sumi[t], qq, scv, xq[t] + 256 * i + 64 * c); \
        }                                                                                           \
        for (int t = 0; t < tb; t++) {                                                              \
            __m256i s2 = _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *) (bs[t] + 16 * i)), mins); \
            float dx = xd[t][i];                                                                    \
            __m256 v = _mm256_fmsub_ps(_mm256_cvtepi32_ps(kacc_fold(sumi[t])), _mm256_set1_ps(dx * d), \
                                       _mm256_mul_ps(_mm256_cvtepi32_ps(s2), _mm256_set1_ps(dx * dmin))); \
            if (i & 1) a1[t] = _mm256_add_ps(a1[t], v); else a0[t] = _mm256_add_ps(a0[t], v);       \
        }                                                                                           \
    }                                                                                               \
    for (int t = 0; t < tb; t++) out[t] = hsum(_mm256_add_ps(a0[t], a1[t]));                        \
}

#define HIGH_BIT(c)
TILE_KQ_MIN(tile_q4_K, block_q4_K, )
#undef HIGH_BIT

/* Q5_K: the fifth bit of value l of chunk c is bit 2c (low nibbles) / 2c+1 (high) of qh[l] */
#define HIGH_BIT(c)                                                                                 \
    lo = _mm256_or_si256(lo, _mm256_slli_epi16(_mm256_and_si256(hb, one), 4));                     \
    hi = _mm256_or_si256(hi, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 1), one), 4)); \
    hb = _mm256_srli_epi16(hb, 2);
TILE_KQ_MIN(tile_q5_K, block_q5_K, __m256i hb = _mm256_loadu_si256((const __m256i *) b->qh); const __m256i one = _mm256_set1_epi8(1);)
#undef HIGH_BIT

/* Q6_K: 6-bit values (low 4 bits in ql, high 2 in qh) minus 32, int8 scales per 16 values */
ALWAYS void tile_q6_K(const uint8_t *wr, int nsb, const int8_t *const *xq, const float *const *xd,
                      const int16_t *const *bs, float *out, const int tb) {
    const block_q6_K *blk = (const block_q6_K *) wr;
    const __m256i m4 = _mm256_set1_epi8(15), m48 = _mm256_set1_epi8(48);
    __m256 a0[TB_MAX], a1[TB_MAX];
    for (int t = 0; t < tb; t++) a0[t] = a1[t] = _mm256_setzero_ps();
    for (int i = 0; i < nsb; i++) {
        const block_q6_K *b = blk + i;
        prefetch_lines(b, sizeof(block_q6_K));
        float d = f16(&b->d);
        __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *) b->scales));
        kacc_t sumi[TB_MAX];
        for (int t = 0; t < tb; t++) sumi[t] = kacc_zero();
        for (int h = 0; h < 2; h++) {
            __m256i a = _mm256_loadu_si256((const __m256i *) (b->ql + 64 * h));
            __m256i c = _mm256_loadu_si256((const __m256i *) (b->ql + 64 * h + 32));
            __m256i hb = _mm256_loadu_si256((const __m256i *) (b->qh + 32 * h));
            __m256i g[4];
            g[0] = _mm256_or_si256(_mm256_and_si256(a, m4), _mm256_and_si256(_mm256_slli_epi16(hb, 4), m48));
            g[1] = _mm256_or_si256(_mm256_and_si256(c, m4), _mm256_and_si256(_mm256_slli_epi16(hb, 2), m48));
            g[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(a, 4), m4), _mm256_and_si256(hb, m48));
            g[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(c, 4), m4), _mm256_and_si256(_mm256_srli_epi16(hb, 2), m48));
            __m256i scv[4];
            for (int k = 0; k < 4; k++) {
                int s0 = 8 * h + 2 * k;
                scv[k] = _mm256_set_m128i(_mm_set1_epi16(b->scales[s0 + 1]), _mm_set1_epi16(b->scales[s0]));
            }
            for (int k = 0; k < 4; k += 2) {
                kq_t qq = kq_pair(g[k], g[k + 1]), sc2 = kq_pair(scv[k], scv[k + 1]);
                for (int t = 0; t < tb; t++) sumi[t] = kacc_add(sumi[t], qq, sc2, xq[t] + 256 * i + 128 * h + 32 * k);
            }
        }
        for (int t = 0; t < tb; t++) {
            /* the -32 offset: 32 * sum over sub-blocks of scale * (sum of its 16 activations) */
            __m256i corr = _mm256_slli_epi32(_mm256_madd_epi16(_mm256_loadu_si256((const __m256i *) (bs[t] + 16 * i)), sc16), 5);
            __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(kacc_fold(sumi[t]), corr)), _mm256_set1_ps(xd[t][i] * d));
            if (i & 1) a1[t] = _mm256_add_ps(a1[t], v); else a0[t] = _mm256_add_ps(a0[t], v);
        }
    }
    for (int t = 0; t < tb; t++) out[t] = hsum(_mm256_add_ps(a0[t], a1[t]));
}

/* ---- float weights (F32, F16, BF16) x float activations ---- */
ALWAYS __m256 load8_f32(const uint8_t *p) { return _mm256_loadu_ps((const float *) p); }
ALWAYS __m256 load8_f16(const uint8_t *p) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *) p)); }
ALWAYS __m256 load8_bf16(const uint8_t *p) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *) p)), 16));
}
ALWAYS float one_f32(const uint8_t *p) { float f; memcpy(&f, p, 4); return f; }
ALWAYS float one_f16(const uint8_t *p) { return f16(p); }
ALWAYS float one_bf16(const uint8_t *p) { uint16_t h; memcpy(&h, p, 2); uint32_t u = (uint32_t) h << 16; float f; memcpy(&f, &u, 4); return f; }

#define TILE_FLOAT(NAME, LOAD8, ONE, ESIZE)                                                          \
ALWAYS void NAME(const uint8_t *wr, int n, const float *const *x, float *out, const int tb) {      \
    __m256 a0[TB_MAX], a1[TB_MAX];                                                                  \
    float tail[TB_MAX];                                                                             \
    for (int t = 0; t < tb; t++) { a0[t] = a1[t] = _mm256_setzero_ps(); tail[t] = 0.0f; }          \
    int i = 0;                                                                                      \
    for (; i + 16 <= n; i += 16) {                                                                  \
        if ((i * ESIZE) % 64 == 0) _mm_prefetch((const char *) wr + ESIZE * i + SD_PREFETCH, _MM_HINT_T0); \
        __m256 w0 = LOAD8(wr + ESIZE * i), w1 = LOAD8(wr + ESIZE * (i + 8));                        \
        for (int t = 0; t < tb; t++) {                                                              \
            a0[t] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x[t] + i), a0[t]);                          \
            a1[t] = _mm256_fmadd_ps(w1, _mm256_loadu_ps(x[t] + i + 8), a1[t]);                      \
        }                                                                                           \
    }                                                                                               \
    if (i + 8 <= n) {                                                                               \
        __m256 w0 = LOAD8(wr + ESIZE * i);                                                          \
        for (int t = 0; t < tb; t++) a0[t] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x[t] + i), a0[t]); \
        i += 8;                                                                                     \
    }                                                                                               \
    for (; i < n; i++) {                                                                            \
        float w = ONE(wr + ESIZE * i);                                                              \
        for (int t = 0; t < tb; t++) tail[t] += w * x[t][i];                                        \
    }                                                                                               \
    for (int t = 0; t < tb; t++) out[t] = hsum(_mm256_add_ps(a0[t], a1[t])) + tail[t];              \
}
TILE_FLOAT(tile_f32, load8_f32, one_f32, 4)
TILE_FLOAT(tile_f16, load8_f16, one_f16, 2)
TILE_FLOAT(tile_bf16, load8_bf16, one_bf16, 2)

/* ---- dispatch: weight rows [r0, r1) x T activation rows, tiles of up to TB_MAX rows ---- */

/* calls TILE(..., tb) with a compile-time tb so that each height gets its own register allocation */
#if TB_MAX == 8
#define FOR_HEIGHT(tb, CALL) switch (tb) { case 1: CALL(1); break; case 2: CALL(2); break; case 3: CALL(3); break; \
    case 4: CALL(4); break; case 5: CALL(5); break; case 6: CALL(6); break; case 7: CALL(7); break; default: CALL(8); break; }
#else
#define FOR_HEIGHT(tb, CALL) switch (tb) { case 1: CALL(1); break; case 2: CALL(2); break; case 3: CALL(3); break; \
    default: CALL(4); break; }
#endif

EXPORT int sd_abi_version(void) { return 1; }

#define SD_STR2(x) #x
#define SD_STR(x) SD_STR2(x)
EXPORT const char *sd_level(void) { return SD_STR(SD_LEVEL); }

/* which activation form a weight type needs: ACT_FLOAT, ACT_Q8_0, ACT_Q8_K, or -1 (not native) */
EXPORT int sd_activation_kind(int type) {
    switch (type) {
        case SD_F32_ID: case SD_F16_ID: case SD_BF16_ID: return ACT_FLOAT;
        case SD_Q4_0_ID: case SD_Q8_0_ID: return ACT_Q8_0;
        case SD_Q4_K_ID: case SD_Q5_K_ID: case SD_Q6_K_ID: return ACT_Q8_K;
        default: return -1;
    }
}

EXPORT int64_t sd_activation_row_bytes(int n) { return (int64_t) act_row_bytes(n); }

/* quantizes T rows of n floats (row t at x + t * n) for the given activation kind */
EXPORT void sd_quantize(int kind, const float *x, int T, int n, uint8_t *xq) {
    if (kind == ACT_FLOAT) return;
    size_t stride = act_row_bytes(n);
    for (int t = 0; t < T; t++) quantize_row(kind, x + (size_t) t * n, n, xq + stride * t);
}

/*
 * y[t * y_stride + r] = row r of w (row_bytes apart, n values) . activation row t, for r in [r0, r1)
 * and t < T; x holds the float rows (t * n), xq the quantized ones (sd_quantize, same T and n).
 * Returns 0, or -1 for a type this library does not compute.
 */
EXPORT int sd_matmul(int type, const uint8_t *w, int64_t row_bytes, int n, const float *x, const uint8_t *xq,
                     int T, float *y, int y_stride, int r0, int r1) {
    int kind = sd_activation_kind(type);
    if (kind < 0) return -1;
    size_t stride = act_row_bytes(n);
    enum { CHUNK = 64 };
    const int8_t *q[CHUNK];
    const float *xd[CHUNK], *xf[CHUNK];
    const int16_t *bs[CHUNK];
    float out[TB_MAX];
    /* weight row outermost: it is read from memory once and stays in L1 for every tile of rows */
    for (int c0 = 0; c0 < T; c0 += CHUNK) {
        int cn = T - c0 < CHUNK ? T - c0 : CHUNK;
        for (int t = 0; t < cn; t++) {
            const uint8_t *row = xq + stride * (size_t) (c0 + t);
            q[t] = (const int8_t *) row;
            xd[t] = (const float *) (row + n);
            bs[t] = (const int16_t *) (row + n + 4 * ((n + 31) / 32));
            xf[t] = x + (size_t) (c0 + t) * n;
        }
        int r = r0;
#ifdef SD_TWO_ROWS
        /* two weight rows at a time where enough activation rows share their loads: from 4 rows for
         * Q4_0, a full tile for Q8_0 (twice the bytes per weight). Below that a pass is bound by
         * memory, and two weight streams at once read slower than one (measured, one thread, 38 MB
         * of weights: Q4_0 2 rows +10-25%, Q8_0 5 rows +22%; Q4_0 5-64 rows -10 to -19%, Q8_0 8-64
         * rows -20 to -29%), so smaller tiles take one weight row at a time. */
        int two_rows_min = type == SD_Q4_0_ID ? 4 : type == SD_Q8_0_ID ? TB_MAX : CHUNK + 1;
        if (cn >= two_rows_min) {
            float out1[TB_MAX];
            for (; r + 2 <= r1; r += 2) {
                const uint8_t *wa = w + row_bytes * (int64_t) r, *wb = wa + row_bytes;
                for (int t0 = 0; t0 < cn; t0 += TB_MAX) {
                    int tb = cn - t0 < TB_MAX ? cn - t0 : TB_MAX;
                    if (tb >= two_rows_min) {
#define C2_Q4_0(h) tile2_q4_0(wa, wb, n / 32, q + t0, xd + t0, out, out1, h, 2 * row_bytes)
#define C2_Q8_0(h) tile2_q8_0(wa, wb, n / 32, q + t0, xd + t0, out, out1, h, 2 * row_bytes)
                        if (type == SD_Q4_0_ID) { FOR_HEIGHT(tb, C2_Q4_0) } else { FOR_HEIGHT(tb, C2_Q8_0) }
                    } else {
#define C1_Q4_0(h) do { tile_q4_0(wa, n / 32, q + t0, xd + t0, out, h); tile_q4_0(wb, n / 32, q + t0, xd + t0, out1, h); } while (0)
#define C1_Q8_0(h) do { tile_q8_0(wa, n / 32, q + t0, xd + t0, out, h); tile_q8_0(wb, n / 32, q + t0, xd + t0, out1, h); } while (0)
                        if (type == SD_Q4_0_ID) { FOR_HEIGHT(tb, C1_Q4_0) } else { FOR_HEIGHT(tb, C1_Q8_0) }
                    }
                    for (int t = 0; t < tb; t++) {
                        y[(size_t) (c0 + t0 + t) * y_stride + r] = out[t];
                        y[(size_t) (c0 + t0 + t) * y_stride + r + 1] = out1[t];
                    }
                }
            }
        }
#endif
        for (; r < r1; r++) {
            const uint8_t *wr = w + row_bytes * (int64_t) r;
            for (int t0 = 0; t0 < cn; t0 += TB_MAX) {
                int tb = cn - t0 < TB_MAX ? cn - t0 : TB_MAX;
                switch (type) {
#define C_Q4_0(h) tile_q4_0(wr, n / 32, q + t0, xd + t0, out, h)
#define C_Q8_0(h) tile_q8_0(wr, n / 32, q + t0, xd + t0, out, h)
#define C_Q4_K(h) tile_q4_K(wr, n / 256, q + t0, xd + t0, bs + t0, out, h)
#define C_Q5_K(h) tile_q5_K(wr, n / 256, q + t0, xd + t0, bs + t0, out, h)
#define C_Q6_K(h) tile_q6_K(wr, n / 256, q + t0, xd + t0, bs + t0, out, h)
#define C_F32(h) tile_f32(wr, n, xf + t0, out, h)
#define C_F16(h) tile_f16(wr, n, xf + t0, out, h)
#define C_BF16(h) tile_bf16(wr, n, xf + t0, out, h)
                    case SD_Q4_0_ID: FOR_HEIGHT(tb, C_Q4_0) break;
                    case SD_Q8_0_ID: FOR_HEIGHT(tb, C_Q8_0) break;
                    case SD_Q4_K_ID: FOR_HEIGHT(tb, C_Q4_K) break;
                    case SD_Q5_K_ID: FOR_HEIGHT(tb, C_Q5_K) break;
                    case SD_Q6_K_ID: FOR_HEIGHT(tb, C_Q6_K) break;
                    case SD_F32_ID: FOR_HEIGHT(tb, C_F32) break;
                    case SD_F16_ID: FOR_HEIGHT(tb, C_F16) break;
                    case SD_BF16_ID: FOR_HEIGHT(tb, C_BF16) break;
                    default: return -1;
                }
                for (int t = 0; t < tb; t++) y[(size_t) (c0 + t0 + t) * y_stride + r] = out[t];
            }
        }
    }
    return 0;
}
