// AVX-512 kernels of the K formats with Q8_K activations (Q4_K, Q6_K): the
// dots that decode runs (one token) and the gemms of prompts and batched
// decode, on CPUs with AVX-512 BW. Contracts in quant/kernels.h and
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
// So a token's logits stay the same whichever kernel runs it, alone or
// batched; tests/quant/dot_test.cpp checks the dots against the AVX2 ones and
// tests/quant/gemm_test.cpp the gemms against the dots.
//
// The weights are decoded straight into 64-element vectors, without the
// AVX2 unpack and a join: a 32-byte piece is broadcast to both halves by the
// load itself (no shuffle) and one 64-bit variable shift moves the upper
// half's bits into place; the sub-block scales are picked by one word permute
// per vector. Per Q4_K super-block that is about half the instructions of the
// AVX2 dot, which lets one core run further ahead of memory (decode reads
// every weight once per token, so that is what bounds it).
//
// 32 vector registers hold 8 tokens' integer sums and float accumulators
// next to the decoded weights, so the gemm's register tile is 8 tokens
// (AVX2: 4): each super-block is decoded once per 8 tokens. The dot is the
// one-token tile.
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

// Elements 64c..64c+63 of a Q4_K super-block as bytes 0..15, from chunk c of
// qs (32 bytes: elements 64c..64c+31 in the low nibbles, 64c+32..64c+63 in
// the high ones), in order: multiplied with 64 activations loaded at once.
HEARTH_AVX512_FN inline __m512i q4_chunk(const uint8_t* chunk) {
  const __m512i both = _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(chunk)));
  const __m512i shifted = _mm512_srlv_epi64(both, _mm512_setr_epi64(0, 0, 0, 0, 4, 4, 4, 4));
  return _mm512_and_si512(shifted, _mm512_set1_epi8(0x0f));
}

// Chunk c's scales: sub-block 2c's in the 16 int16 of the low half, 2c + 1's
// in the high half (s16: the 8 scales as int16).
template <int c>
HEARTH_AVX512_FN inline __m512i q4_chunk_scales(__m512i s16) {
  constexpr short a = 2 * c, b = 2 * c + 1;
  const __m512i idx = _mm512_set_epi16(b, b, b, b, b, b, b, b, b, b, b, b, b, b, b, b, a, a, a, a, a, a, a, a,
                                       a, a, a, a, a, a, a, a);
  return _mm512_permutexvar_epi16(idx, s16);
}

// Chunk c of super-block b times NT tokens, added to their integer sums.
template <int c, int NT>
HEARTH_AVX512_FN inline void q4_chunk_dot(const BlockQ4_K& x, const BlockQ8_K* const y[NT], int64_t b, __m512i s16,
                                          __m512i sumi[NT]) {
  const __m512i q = q4_chunk(x.qs + 32 * c), s = q4_chunk_scales<c>(s16);
  for (int t = 0; t < NT; ++t) {
    const __m512i p = _mm512_maddubs_epi16(q, load64(y[t][b].qs + 64 * c));
    sumi[t] = _mm512_add_epi32(sumi[t], _mm512_madd_epi16(p, s));
  }
}

// Q4_K row times NT Q8_K rows.
struct Q4KKernel {
  template <int NT>
  HEARTH_AVX512_FN static void tile(int64_t n, const uint8_t* row, const uint8_t* const act[NT], float out[NT]) {
    const auto* x = reinterpret_cast<const BlockQ4_K*>(row);
    const BlockQ8_K* y[NT];
    avx2::activation_blocks<BlockQ8_K, NT>(act, y);
    __m256 acc[NT];
    for (int t = 0; t < NT; ++t) acc[t] = _mm256_setzero_ps();
    for (int64_t b = 0; b < n / kQKK; ++b) {
      prefetch_stream<sizeof(BlockQ4_K)>(x + b);
      uint8_t sc[8], m[8];
      kasym::unpack_scales_mins_6bit(x[b].scales, sc, m);
      const __m256i mins16 = ksimd::mins_per_bsum(m);
      const __m512i s16 =
          _mm512_castsi128_si512(_mm_cvtepu8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(sc))));
      __m512i sumi[NT];
      for (int t = 0; t < NT; ++t) sumi[t] = _mm512_setzero_si512();
      q4_chunk_dot<0, NT>(x[b], y, b, s16, sumi);
      q4_chunk_dot<1, NT>(x[b], y, b, s16, sumi);
      q4_chunk_dot<2, NT>(x[b], y, b, s16, sumi);
      q4_chunk_dot<3, NT>(x[b], y, b, s16, sumi);
      const __m128 dm = ksimd::d_dmin(x[b]);
      for (int t = 0; t < NT; ++t) {
        acc[t] = ksimd::fold_superblock(acc[t], dm, y[t][b].d, fold_halves(sumi[t]),
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

// The 6-bit level indices of one 128-element half of a Q6_K super-block
// (layout: quant/sym_layout.h) as two 64-element vectors: u01 = elements
// 0..63 (low nibbles of ql[0..63]), u23 = 64..127 (their high nibbles), each
// with its two high bits from qh (bits 2k..2k+1 of qh[l] for element 32k + l)
// moved to bits 4..5. qh is broadcast to both halves, so one 64-bit variable
// shift per vector moves both of its pieces' bits; the shifts leak bits across
// bytes, but only into bits the masks clear, and one bitwise select joins the
// nibbles with the high bits.
struct Q6Half {
  __m512i u01, u23;
};

HEARTH_AVX512_FN inline Q6Half q6_half(const uint8_t* ql, const uint8_t* qh) {
  const __m512i l = load64(ql);
  const __m512i h = _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(qh)));
  const __m512i low4 = _mm512_set1_epi8(0x0f), bits45 = _mm512_set1_epi8(0x30);
  const __m512i h01 = _mm512_and_si512(_mm512_sllv_epi64(h, _mm512_setr_epi64(4, 4, 4, 4, 2, 2, 2, 2)), bits45);
  const __m512i h23 = _mm512_and_si512(_mm512_srlv_epi64(h, _mm512_setr_epi64(0, 0, 0, 0, 2, 2, 2, 2)), bits45);
  // (a & low4) | b, with b's low nibble clear: 0xec is that function's table.
  constexpr int kSelect = 0xec;
  return {_mm512_ternarylogic_epi32(l, h01, low4, kSelect),
          _mm512_ternarylogic_epi32(_mm512_srli_epi16(l, 4), h23, low4, kSelect)};
}

// Q6_K row times NT Q8_K rows: each half super-block is unpacked once and
// reused by every token.
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
        const Q6Half u = q6_half(x[b].ql + 64 * half, x[b].qh + 32 * half);
        const __m128i s8 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(x[b].scales + 8 * half));
        const __m512i s16 = _mm512_castsi128_si512(_mm_cvtepi8_epi16(s8));
        const __m512i s01 = q6_scales<0>(s16), s23 = q6_scales<1>(s16);
        for (int t = 0; t < NT; ++t) {
          const int8_t* yq = y[t][b].qs + 128 * half;
          const __m512i p01 = _mm512_madd_epi16(_mm512_maddubs_epi16(u.u01, load64(yq)), s01);
          const __m512i p23 = _mm512_madd_epi16(_mm512_maddubs_epi16(u.u23, load64(yq + 64)), s23);
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

// One weight row times one activation row: the one-token tile.
template <typename Kernel>
HEARTH_AVX512_FN float one_token(int64_t n, const void* x, const void* y) {
  const auto* act = static_cast<const uint8_t*>(y);
  float out = 0;
  Kernel::template tile<1>(n, static_cast<const uint8_t*>(x), &act, &out);
  return out;
}

}  // namespace

float vec_dot_q4_K_q8_K(int64_t n, const void* x, const void* y) {
  sym::check_whole_blocks("q4_K", n, kQKK);
  return one_token<Q4KKernel>(n, x, y);
}

float vec_dot_q6_K_q8_K(int64_t n, const void* x, const void* y) {
  sym::check_whole_blocks("Q6_K dot", n, kQKK);
  return one_token<Q6KKernel>(n, x, y);
}

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
