// AVX2 dot and gemm of Q4_0 weights with Q8_0 activations: the group shape
// of block_groups.h (lanes are blocks, one convert and one FMA per 8 blocks),
// with the integer sums made by maddubs and a reduction tree.
//
// Blocks go in pairs: one 256-bit load holds two blocks' 16 code bytes, so
// masking it gives both blocks' elements 0..15 (low nibbles) and shifting
// then masking both blocks' elements 16..31. The activation side data holds
// the codes in that order (groups::Codes::kPaired). The two maddubs products
// are added in int16 (each pair below 2 * 15 * 128, their sum below 2^15)
// and one madd by 1 widens them: 4 int32 partial sums per block, so a group
// is 4 vectors, not 8, and its tree is two interleave levels (block lanes
// 0 2 4 6 | 1 3 5 7) and one permute to lane order. Per group and token: 8
// maddubs, 4 adds, 4 madds, 7 tree operations, where one block per vector
// took 8 madds and 21 tree operations. One core (AMD Zen 4, medians of 5
// interleaved runs): gemm 70 -> 76 GFLOP/s, dot 59 -> 61 in L2 and 56 -> 57
// from memory; Llama-3.2-1B Q4_0 pp512 with 2 threads 61 -> 74.5 tok/s.
#include <immintrin.h>

#include <cstdint>

#include "quant/gemm.h"
#include "quant/kernels.h"
#include "quant/legacy_common.h"
#include "quant/quant_input.h"
#include "quant/x86/avx2_common.h"
#include "quant/x86/block_groups.h"
#include "quant/x86/gemm_avx2.h"

namespace hearth::quant::avx2 {

namespace {

using groups::kGroup;

// Q4_0 in groups (block_groups.h): each group's codes are unpacked once,
// then meet every token's activations.
struct Q4_0Format {
  using Block = BlockQ4_0;
  static constexpr groups::Codes kCodes = groups::Codes::kPaired;
  // pair p = blocks (2p, 2p + 1): lo[p] their elements 0..15, hi[p] 16..31
  struct Weights {
    __m256i lo[kGroup / 2], hi[kGroup / 2];
  };
  static Weights load(const BlockQ4_0* x) {
    const __m256i low4 = _mm256_set1_epi8(0x0f);
    Weights w;
    for (int p = 0; p < kGroup / 2; ++p) {
      const __m256i codes = _mm256_loadu2_m128i(reinterpret_cast<const __m128i*>(x[2 * p + 1].qs),
                                                reinterpret_cast<const __m128i*>(x[2 * p].qs));
      w.lo[p] = _mm256_and_si256(codes, low4);
      w.hi[p] = _mm256_and_si256(_mm256_srli_epi16(codes, 4), low4);
    }
    return w;
  }
  static __m256i sums(const Weights& w, const groups::ActivationRow& a, int64_t g) {
    const auto* y = reinterpret_cast<const __m256i*>(a.group(g));
    // pair p's products: 4 int32 partial sums of block 2p, then 4 of 2p + 1
    auto pair = [&](int p) {
      const __m256i lo = _mm256_maddubs_epi16(w.lo[p], _mm256_loadu_si256(y + 2 * p));
      const __m256i hi = _mm256_maddubs_epi16(w.hi[p], _mm256_loadu_si256(y + 2 * p + 1));
      return _mm256_madd_epi16(_mm256_add_epi16(lo, hi), _mm256_set1_epi16(1));
    };
    const __m256i sums = groups::interleave_add64(groups::interleave_add32(pair(0), pair(1)),
                                                  groups::interleave_add32(pair(2), pair(3)));
    const __m256i in_order = _mm256_permutevar8x32_epi32(sums, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    return _mm256_add_epi32(in_order, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.corrections(g))));
  }
};

}  // namespace

// Hot loop of Q4_0 decode: the gemm's step with one token.
float vec_dot_q4_0_q8_0(int64_t n, const void* x, const void* y) {
  return dot_as_tile<groups::Kernel<Q4_0Format>>(n, x, y);
}

void gemm_q4_0_q8_0(int64_t n, const void* w, uint64_t w_stride, int64_t n_rows, const void* a, uint64_t a_stride,
                    int64_t n_tok, float* y, int64_t ldy) {
  sym::check_whole_blocks("Q4_0 gemm", n, kQK);
  gemm_tiles<groups::Kernel<Q4_0Format>>(n, w, w_stride, n_rows, a, a_stride, n_tok, y, ldy);
}

}  // namespace hearth::quant::avx2
