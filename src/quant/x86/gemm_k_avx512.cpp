// AVX-512 gemm kernels of the K formats with Q8_K activations (Q4_K, Q6_K),
// for prompts and batched decode on CPUs with AVX-512 BW. Contract in
// quant/gemm.h.
//
// Same results as the AVX2 kernels, bit for bit, by construction: the
// integer work runs on 64-byte vectors (two 32-element pieces per
// instruction, so half the multiply instructions per token), and before the
// float step the two 256-bit halves of each token's integer sum are added,
// which gives exactly the 8 int32 lanes the AVX2 dot computes (lane k of
// either half covers the same element positions of its piece, and integer
// sums are exact in any order). The float step is then the AVX2 one
// (ksimd::fold_superblock, ksym::fold_superblock, hsum), shared, not copied.
// So a token's logits stay the same alone (vec_dot, AVX2) or batched (this),
// and tests/quant/gemm_test.cpp checks these kernels against vec_dot.
//
// 32 vector registers hold 8 tokens' integer sums and float accumulators
// next to the decoded weights, so the register tile is 8 tokens (AVX2: 4):
// each super-block is decoded once per 8 tokens.
#include <immintrin.h>

#include "quant/blocks.h"
#include "quant/gemm.h"
#include "quant/k_asym.h"
#include "quant/quant_input.h"
#include "quant/x86/avx2_common.h"
#include "quant/x86/avx512_common.h"
#include "quant/x86/gemm_avx2.h"
#include "quant/x86/k_asym_avx2.h"
#include "quant/x86/k_sym_avx2.h"

namespace hearth::quant::avx512 {

namespace {

using avx2::fp16_scalar;
using avx2::hsum;
using avx2::prefetch_stream;
namespace ksimd = avx2::ksimd;
namespace ksym = avx2::ksym;

constexpr int kTokens = 8;

// Q4_K row times NT Q8_K rows. Chunk c of qs (32 bytes) holds elements
// 64c..64c+31 in its low nibbles and 64c+32..64c+63 in its high ones: joined
// [low | high] they are elements 64c..64c+63 in order, multiplied with 64
// activations loaded at once; the scale vector carries sub-block 2c's scale
// in the low half and 2c+1's in the high half.
struct Q4KKernel {
  template <int NT>
  HEARTH_AVX512_FN static void tile(int64_t n, const uint8_t* row, const uint8_t* const act[NT], float out[NT]) {
    const auto* x = reinterpret_cast<const BlockQ4_K*>(row);
    const BlockQ8_K* y[NT];
    avx2::activation_blocks<BlockQ8_K, NT>(act, y);
    const __m512i low4 = _mm512_set1_epi8(0x0f);
    __m256 acc[NT];
    for (int t = 0; t < NT; ++t) acc[t] = _mm256_setzero_ps();
    for (int64_t b = 0; b < n / kQKK; ++b) {
      prefetch_stream<sizeof(BlockQ4_K)>(x + b);
      uint8_t sc[8], m[8];
      kasym::unpack_scales_mins_6bit(x[b].scales, sc, m);
      const __m256i mins16 = ksimd::mins_per_bsum(m);
      const __m256i scales = ksimd::scales16(sc);
      __m512i sumi[NT];
      for (int t = 0; t < NT; ++t) sumi[t] = _mm512_setzero_si512();
#pragma GCC unroll 4
      for (int c = 0; c < 4; ++c) {
        const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[b].qs + 32 * c));
        const __m512i q64 = _mm512_and_si512(join(q, _mm256_srli_epi16(q, 4)), low4);
        const __m512i s = join(ksimd::scale_of(scales, 2 * c), ksimd::scale_of(scales, 2 * c + 1));
        for (int t = 0; t < NT; ++t) {
          const __m512i p = _mm512_maddubs_epi16(q64, load64(y[t][b].qs + 64 * c));
          sumi[t] = _mm512_add_epi32(sumi[t], _mm512_madd_epi16(p, s));
        }
      }
      const float d = fp16_scalar(x[b].d), dmin = fp16_scalar(x[b].dmin);
      for (int t = 0; t < NT; ++t) {
        const float yd = y[t][b].d;
        acc[t] = ksimd::fold_superblock(acc[t], d * yd, dmin * yd, fold_halves(sumi[t]),
                                        ksimd::min_sums_32(mins16, y[t][b]));
      }
    }
    for (int t = 0; t < NT; ++t) out[t] = hsum(acc[t]);
  }
};

// The scales of one Q6_K half for the 64-element vector k2 (0: elements
// 0..63 of the half, 1: 64..127): each 128-bit lane covers one 16-element
// sub-block, so lane l needs that sub-block's scale in all 8 int16s.
template <int k2>
HEARTH_AVX512_FN inline __m512i q6_scales(__m512i s16) {
  constexpr short a = 4 * k2, b = 4 * k2 + 1, c = 4 * k2 + 2, d = 4 * k2 + 3;
  const __m512i idx = _mm512_set_epi16(d, d, d, d, d, d, d, d, c, c, c, c, c, c, c, c, b, b, b, b, b, b, b, b,
                                       a, a, a, a, a, a, a, a);
  return _mm512_permutexvar_epi16(idx, s16);
}

// Q6_K row times NT Q8_K rows: each half super-block is unpacked once (the
// AVX2 unpack, joined into two 64-element vectors) and reused by every token.
struct Q6KKernel {
  template <int NT>
  HEARTH_AVX512_FN static void tile(int64_t n, const uint8_t* row, const uint8_t* const act[NT], float out[NT]) {
    const auto* x = reinterpret_cast<const BlockQ6_K*>(row);
    const BlockQ8_K* y[NT];
    avx2::activation_blocks<BlockQ8_K, NT>(act, y);
    __m256 acc[NT];
    for (int t = 0; t < NT; ++t) acc[t] = _mm256_setzero_ps();
    for (int64_t b = 0; b < n / kQKK; ++b) {
      prefetch_stream<sizeof(BlockQ6_K)>(x + b);
      __m512i sumi[NT];
      for (int t = 0; t < NT; ++t) sumi[t] = _mm512_setzero_si512();
      for (int half = 0; half < 2; ++half) {
        __m256i u[4];
        ksym::unpack_q6_half(x[b].ql + 64 * half, x[b].qh + 32 * half, u);
        const __m512i u01 = join(u[0], u[1]), u23 = join(u[2], u[3]);
        const __m128i s8 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(x[b].scales + 8 * half));
        const __m512i s16 = _mm512_castsi128_si512(_mm_cvtepi8_epi16(s8));
        const __m512i s01 = q6_scales<0>(s16), s23 = q6_scales<1>(s16);
        for (int t = 0; t < NT; ++t) {
          const int8_t* yq = y[t][b].qs + 128 * half;
          const __m512i p01 = _mm512_madd_epi16(_mm512_maddubs_epi16(u01, load64(yq)), s01);
          const __m512i p23 = _mm512_madd_epi16(_mm512_maddubs_epi16(u23, load64(yq + 64)), s23);
          sumi[t] = _mm512_add_epi32(sumi[t], _mm512_add_epi32(p01, p23));
        }
      }
      const float d = fp16_scalar(x[b].d);
      for (int t = 0; t < NT; ++t) {
        const __m256i offset = ksym::offset_term<5>(x[b].scales, y[t][b].bsums);
        const __m256i total = _mm256_sub_epi32(fold_halves(sumi[t]), offset);
        acc[t] = ksym::fold_superblock(acc[t], d * y[t][b].d, total);
      }
    }
    for (int t = 0; t < NT; ++t) out[t] = hsum(acc[t]);
  }
};

}  // namespace

void gemm_q4_K_q8_K(int64_t n, const void* w, uint64_t w_stride, int64_t n_rows, const void* a,
                    uint64_t a_stride, int64_t n_tok, float* y, int64_t ldy) {
  sym::check_whole_blocks("Q4_K gemm", n, kQKK);
  avx2::gemm_tiles<Q4KKernel, kTokens>(n, w, w_stride, n_rows, a, a_stride, n_tok, y, ldy);
}

void gemm_q6_K_q8_K(int64_t n, const void* w, uint64_t w_stride, int64_t n_rows, const void* a,
                    uint64_t a_stride, int64_t n_tok, float* y, int64_t ldy) {
  sym::check_whole_blocks("Q6_K gemm", n, kQKK);
  avx2::gemm_tiles<Q6KKernel, kTokens>(n, w, w_stride, n_rows, a, a_stride, n_tok, y, ldy);
}

}  // namespace hearth::quant::avx512
