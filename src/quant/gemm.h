// Batched dot kernels ("GEMM" micro-kernels) for prompt evaluation.
//
// A gemm kernel computes every dot of a band of weight rows with a tile of
// activation rows:
//   y[t * ldy + r] = vec_dot(n, w + r * w_stride, a + t * a_stride)
//   for r in [0, n_rows), t in [0, n_tok)
// w: n_rows rows of the weight type (n elements each, whole blocks);
// a: n_tok rows already quantized to the type's vec_dot_type.
//
// Why it exists: vec_dot decodes a weight block (nibbles, scales) for every
// token it meets; a gemm kernel decodes it once and multiplies it with several
// tokens' activations while it sits in registers. Results equal the same
// table's vec_dot kernel's BIT FOR BIT: each gemm kernel shares its float
// steps (per-block FMA, accumulator layout, final horizontal sum) with its
// type's vec_dot, and the per-block integer sums are exact. compute::matmul
// relies on it: a token decoded alone (vec_dot) and the same token in a
// batch (gemm) get the same logits (tests/quant/gemm_test.cpp checks it).
//
// `generic` holds the reference: a loop over the generic vec_dot (the oracle in
// tests). `avx2` holds the register-tiled kernels and `avx512` wider ones for
// the K formats; which types have one is listed in x86/fallbacks.h
// (kAvx2Gemms, kAvx512Gemms) and reaches callers through
// TypeTraits::gemm (quant/type_traits.h), never directly.
#pragma once

#include <cstdint>

#include "quant/kernels.h"

namespace hearth::quant {

using GemmFn = void (*)(int64_t n, const void* w, uint64_t w_stride, int64_t n_rows, const void* a,
                        uint64_t a_stride, int64_t n_tok, float* y, int64_t ldy);

// Tokens per register tile of the x86 gemm kernels: n_tok in multiples of it
// run without a remainder tile (compute::matmul sizes its token tiles so).
// Each token needs an int32 and a float accumulator next to the decoded
// weights, and AVX2 has 16 registers, so 8 tokens spill some of them; the
// spills are L1 loads and stores, cheaper than decoding every weight block
// twice as often. On AMD Zen 4, one core, 8-token tiles against 4 (medians of
// 3 interleaved runs): Q6_K 83 -> 107, Q4_K 102 -> 105 GFLOP/s, Q4_0 and Q8_0
// level; Llama-3.2-1B Q4_K_M pp512 with 2 threads 78.6 -> 86.2 tok/s.
inline constexpr int kGemmTokens = 8;

namespace generic {
// The reference for any type: one `dot` call per (row, token) pair.
void gemm_by_vec_dot(VecDotFn dot, int64_t n, const void* w, uint64_t w_stride, int64_t n_rows,
                     const void* a, uint64_t a_stride, int64_t n_tok, float* y, int64_t ldy);
}  // namespace generic

#define HEARTH_DECLARE_GEMM(T)                                                                 \
  void gemm_##T(int64_t n, const void* w, uint64_t w_stride, int64_t n_rows, const void* a, \
                uint64_t a_stride, int64_t n_tok, float* y, int64_t ldy);

namespace avx2 {
HEARTH_DECLARE_GEMM(q4_0_q8_0)
HEARTH_DECLARE_GEMM(q8_0_q8_0)
HEARTH_DECLARE_GEMM(q4_K_q8_K)
HEARTH_DECLARE_GEMM(q6_K_q8_K)
}  // namespace avx2

// Same results as avx2's, bit for bit (x86/k_avx512.cpp says why).
namespace avx512 {
HEARTH_DECLARE_GEMM(q4_0_q8_0)  // AVX-512 VNNI; reads avx512::q4_0_activation_extras (kernels.h)
HEARTH_DECLARE_GEMM(q4_K_q8_K)
HEARTH_DECLARE_GEMM(q6_K_q8_K)
}  // namespace avx512

#undef HEARTH_DECLARE_GEMM

}  // namespace hearth::quant
