#include "deni_bf16.h"
#include <dnnl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

void omp_set_num_threads(int num_threads);
int omp_get_max_threads(void);

// MARK: rounding

/// The bf16 rounding of a float32's bits, as the upper 16 bits of a float32.
static inline uint32_t rne_bits(uint32_t x) {
    uint32_t magnitude = x & 0x7fffffffu;
    uint32_t rounded = x + 0x7fffu + ((x >> 16) & 1u);
    uint32_t r = magnitude > 0x7f800000u ? (x | 0x00400000u) : rounded;   // NaN: quiet, payload kept
    r = magnitude < 0x00800000u ? (x & 0x80000000u) : r;                  // zero and subnormals: signed zero
    return r & 0xffff0000u;
}

#define ROUNDING_LOOPS(suffix)                                                                                  \
    static void pack_##suffix(const float *src, size_t rows, size_t cols, size_t ld, uint16_t *dst) {          \
        for (size_t i = 0; i < rows; i++) {                                                                     \
            const uint32_t *s = (const uint32_t *)(src + i * ld);                                               \
            uint16_t *d = dst + i * cols;                                                                       \
            for (size_t j = 0; j < cols; j++) d[j] = (uint16_t)(rne_bits(s[j]) >> 16);                          \
        }                                                                                                       \
    }                                                                                                           \
    static void round_##suffix(const float *src, size_t rows, size_t cols, size_t ld, float *dst) {            \
        for (size_t i = 0; i < rows; i++) {                                                                     \
            const uint32_t *s = (const uint32_t *)(src + i * ld);                                               \
            uint32_t *d = (uint32_t *)(dst + i * cols);                                                         \
            for (size_t j = 0; j < cols; j++) d[j] = rne_bits(s[j]);                                            \
        }                                                                                                       \
    }

#if defined(__x86_64__)
__attribute__((target("avx512f,avx512bw"))) ROUNDING_LOOPS(avx512)
__attribute__((target("avx2"))) ROUNDING_LOOPS(avx2)
#endif
ROUNDING_LOOPS(generic)

void deni_bf16_pack(const float *src, size_t rows, size_t cols, size_t ld, uint16_t *dst) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx512bw")) { pack_avx512(src, rows, cols, ld, dst); return; }
    if (__builtin_cpu_supports("avx2")) { pack_avx2(src, rows, cols, ld, dst); return; }
#endif
    pack_generic(src, rows, cols, ld, dst);
}

void deni_bf16_round(const float *src, size_t rows, size_t cols, size_t ld, float *dst) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx512bw")) { round_avx512(src, rows, cols, ld, dst); return; }
    if (__builtin_cpu_supports("avx2")) { round_avx2(src, rows, cols, ld, dst); return; }
#endif
    round_generic(src, rows, cols, ld, dst);
}

// MARK: per-thread buffers

typedef struct { void *data; size_t bytes; } buffer;

/// Grows b to at least `bytes` (64-byte aligned; old contents are not kept). Aborts when memory is exhausted, as
/// Swift's own allocations do.
static void *reserve(buffer *b, size_t bytes) {
    if (b->bytes >= bytes && b->data) return b->data;
    free(b->data);
    size_t size = (bytes + 63) & ~(size_t)63;
    if (posix_memalign(&b->data, 64, size ? size : 64) != 0) abort();
    b->bytes = size;
    return b->data;
}

static __thread buffer rounded[2], packed[2], scratch;
static __thread dnnl_stream_t stream;

const float *deni_bf16_rounded(int slot, const float *src, size_t rows, size_t cols, size_t ld) {
    float *dst = reserve(&rounded[slot & 1], rows * cols * sizeof(float));
    deni_bf16_round(src, rows, cols, ld, dst);
    return dst;
}

// MARK: the matmul primitive

struct deni_bf16_matmul {
    dnnl_primitive_t primitive;
    dnnl_memory_desc_t a, b, c;
    int transA, transB;
    int64_t m, n, k;
    size_t scratchBytes;
    const char *impl;
};

static dnnl_engine_t engine;
static dnnl_status_t engineStatus;
static pthread_once_t engineOnce = PTHREAD_ONCE_INIT;
static void makeEngine(void) { engineStatus = dnnl_engine_create(&engine, dnnl_cpu, 0); }

deni_bf16_matmul *deni_bf16_matmul_create(int transA, int transB, int64_t m, int64_t n, int64_t k, int64_t ldc,
                                          float alpha, float beta, int *status) {
    pthread_once(&engineOnce, makeEngine);
    if (engineStatus != dnnl_success) { *status = engineStatus; return NULL; }
    deni_bf16_matmul *p = calloc(1, sizeof *p);
    if (!p) { *status = dnnl_out_of_memory; return NULL; }
    p->transA = transA; p->transB = transB; p->m = m; p->n = n; p->k = k;
    // op(A)[m, k] packed in A's own layout: rows of k (as stored) or, transposed, columns of m. B likewise (a prepared
    // B comes in the same dense layout).
    dnnl_dims_t aDims = {m, k}, aStrides = {transA ? 1 : k, transA ? m : 1};
    dnnl_dims_t bDims = {k, n}, bStrides = {transB ? 1 : n, transB ? k : 1};
    dnnl_dims_t cDims = {m, n}, cStrides = {ldc, 1};
    dnnl_status_t s = dnnl_memory_desc_init_by_strides(&p->a, 2, aDims, dnnl_bf16, aStrides);
    if (s == dnnl_success) s = dnnl_memory_desc_init_by_strides(&p->b, 2, bDims, dnnl_bf16, bStrides);
    if (s == dnnl_success) s = dnnl_memory_desc_init_by_strides(&p->c, 2, cDims, dnnl_f32, cStrides);
    dnnl_matmul_desc_t desc;
    if (s == dnnl_success) s = dnnl_matmul_desc_init(&desc, &p->a, &p->b, NULL, &p->c);
    dnnl_primitive_attr_t attr = NULL;
    dnnl_post_ops_t ops = NULL;
    if (s == dnnl_success) s = dnnl_primitive_attr_create(&attr);
    if (s == dnnl_success) s = dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user);
    if (s == dnnl_success && alpha != 1.0f) s = dnnl_primitive_attr_set_output_scales(attr, 1, 0, &alpha);
    if (s == dnnl_success && beta != 0.0f) {
        s = dnnl_post_ops_create(&ops);
        if (s == dnnl_success) s = dnnl_post_ops_append_sum(ops, beta);
        if (s == dnnl_success) s = dnnl_primitive_attr_set_post_ops(attr, ops);
    }
    // oneDNN's brgemm matmul fixes its thread count when the primitive is created (OpenMP's count on the creating
    // thread) and starts an OpenMP team of that size on every execution, whatever the executing thread's count. The
    // primitive runs on one thread (GEMM splits products over the engine's own threads), so it is created for one.
    const int threads = omp_get_max_threads();
    omp_set_num_threads(1);
    dnnl_primitive_desc_t pd = NULL;
    if (s == dnnl_success) s = dnnl_primitive_desc_create(&pd, &desc, attr, engine, NULL);
    if (s == dnnl_success) {
        p->scratchBytes = dnnl_memory_desc_get_size(dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0));
        const char *impl = NULL;
        dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl);
        p->impl = strdup(impl ? impl : "unknown");
        s = dnnl_primitive_create(&p->primitive, pd);
    }
    omp_set_num_threads(threads);
    if (pd) dnnl_primitive_desc_destroy(pd);
    if (ops) dnnl_post_ops_destroy(ops);
    if (attr) dnnl_primitive_attr_destroy(attr);
    if (s != dnnl_success) {
        free((void *)p->impl);
        free(p);
        *status = s;
        return NULL;
    }
    *status = dnnl_success;
    return p;
}

const char *deni_bf16_matmul_impl(const deni_bf16_matmul *p) { return p->impl; }

int deni_bf16_matmul_run(const deni_bf16_matmul *p, const float *a, int64_t lda, const float *b, int64_t ldb,
                         const uint16_t *bPrepared, float *c) {
    omp_set_num_threads(1);
    if (!stream) {
        dnnl_status_t s = dnnl_stream_create(&stream, engine, dnnl_stream_default_flags);
        if (s != dnnl_success) return s;
    }
    // Pack each operand as stored: A is m × k (or k × m transposed), B is k × n (or n × k transposed).
    uint16_t *pa = reserve(&packed[0], (size_t)(p->m * p->k) * 2);
    if (p->transA) deni_bf16_pack(a, p->k, p->m, lda, pa); else deni_bf16_pack(a, p->m, p->k, lda, pa);
    uint16_t *pb = (uint16_t *)bPrepared;
    if (!pb) {
        pb = reserve(&packed[1], (size_t)(p->k * p->n) * 2);
        if (p->transB) deni_bf16_pack(b, p->n, p->k, ldb, pb); else deni_bf16_pack(b, p->k, p->n, ldb, pb);
    }
    void *pad = p->scratchBytes ? reserve(&scratch, p->scratchBytes) : NULL;
    dnnl_memory_t ma = NULL, mb = NULL, mc = NULL, ms = NULL;
    dnnl_memory_desc_t scratchDesc;
    dnnl_status_t s = dnnl_memory_create(&ma, &p->a, engine, pa);
    if (s == dnnl_success) s = dnnl_memory_create(&mb, &p->b, engine, pb);
    if (s == dnnl_success) s = dnnl_memory_create(&mc, &p->c, engine, c);
    if (s == dnnl_success && pad) {
        dnnl_dims_t dims = {(int64_t)p->scratchBytes};
        s = dnnl_memory_desc_init_by_tag(&scratchDesc, 1, dims, dnnl_u8, dnnl_a);
        if (s == dnnl_success) s = dnnl_memory_create(&ms, &scratchDesc, engine, pad);
    }
    if (s == dnnl_success) {
        dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, ma}, {DNNL_ARG_WEIGHTS, mb}, {DNNL_ARG_DST, mc}, {DNNL_ARG_SCRATCHPAD, ms}};
        s = dnnl_primitive_execute(p->primitive, stream, ms ? 4 : 3, args);
        if (s == dnnl_success) s = dnnl_stream_wait(stream);
    }
    if (ms) dnnl_memory_destroy(ms);
    if (mc) dnnl_memory_destroy(mc);
    if (mb) dnnl_memory_destroy(mb);
    if (ma) dnnl_memory_destroy(ma);
    return s;
}
