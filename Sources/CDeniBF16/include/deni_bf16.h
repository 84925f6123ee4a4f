#pragma once
// bf16 products for the engine's bf16 precision: float32 → bfloat16 rounding (round to nearest even, as the
// AVX512_BF16 instruction VCVTNEPS2BF16 rounds), and oneDNN's matmul primitive with bf16 operands and float32
// accumulation and output. Swift keeps the primitive cache (DeniCore/BF16Products.swift); C holds what needs
// oneDNN's C structs and per-thread buffers.
#include <stddef.h>
#include <stdint.h>

/// Rounds src[rows × cols] (row stride ld) to bf16 into dst (contiguous rows × cols): round to nearest even,
/// NaN stays a quiet NaN, and a subnormal becomes a zero of its sign (the engine flushes them anyway).
void deni_bf16_pack(const float *src, size_t rows, size_t cols, size_t ld, uint16_t *dst);
/// The same rounding, kept as float32: each value becomes the float32 equal to its bf16 rounding.
void deni_bf16_round(const float *src, size_t rows, size_t cols, size_t ld, float *dst);
/// A per-thread buffer of the calling thread holding the float32 values of src[rows × cols] (stride ld) rounded to
/// bf16 (slot 0 or 1: one per operand). Valid until the thread's next call with the same slot.
const float *deni_bf16_rounded(int slot, const float *src, size_t rows, size_t cols, size_t ld);

/// A bf16 × bf16 → float32 matmul primitive for one shape: C[m, n] = alpha·op(A)[m, k]·op(B)[k, n] + beta·C,
/// row-major C with leading dimension ldc; A (and B, unless it comes prepared) is read as float32 and packed to bf16
/// in the operand's own layout (transposed operands stay transposed).
typedef struct deni_bf16_matmul deni_bf16_matmul;

/// Creates the primitive; NULL with *status set (a dnnl_status_t) when oneDNN has no implementation here.
deni_bf16_matmul *deni_bf16_matmul_create(int transA, int transB, int64_t m, int64_t n, int64_t k, int64_t ldc,
                                          float alpha, float beta, int *status);
/// oneDNN's name for the implementation it picked (e.g. "brg:avx512_core_amx", "gemm:jit").
const char *deni_bf16_matmul_impl(const deni_bf16_matmul *p);
/// Runs the primitive on the calling thread: packs op(A), and op(B) unless it comes prepared (bPrepared: B already in
/// bf16, dense: k × n, or n × k transposed, with no padding), into the thread's bf16 buffers and executes on the
/// thread's own stream with the thread's own scratchpad. Returns a dnnl_status_t (0: success).
int deni_bf16_matmul_run(const deni_bf16_matmul *p, const float *a, int64_t lda, const float *b, int64_t ldb,
                         const uint16_t *bPrepared, float *c);
