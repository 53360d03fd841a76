// AVX2 dot and gemm of Q4_0 weights with Q8_0 activations: the group shape
// of block_groups.h (lanes are blocks, one convert and one FMA per 8 blocks),
// with the integer sums made by maddubs and a reduction tree.
//
// Per block: the 32 codes unpacked (unsigned, 0..15), one maddubs with the
// activations and a madd by 1: 8 int32 sums of 4 elements. The 8 blocks'
// vectors are then reduced to one int32 per block by block_groups.h's tree.
// About 7 vector ops per block where the element-lane shape (a convert, an
// FMA and a broadcast fp16 scale product per block and token, plus the sign
// trick for signed codes) took ~17.
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

// Products of one block's codes with its activations: 8 int32 sums of 4
// elements (maddubs pairs stay below 2 * 15 * 127: no saturation).
inline __m256i quad_sums(__m256i codes, const BlockQ8_0& y) {
  const __m256i pairs = _mm256_maddubs_epi16(codes, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y.qs)));
  return _mm256_madd_epi16(pairs, _mm256_set1_epi16(1));
}

// Q4_0 in groups (block_groups.h): each group's codes are unpacked once,
// then meet every token's activations. Per group and token: 8 maddubs and 8
// madds, the tree (12 unpacks, 2 lane permutes, 7 adds) and the corrections.
struct Q4_0Format {
  using Block = BlockQ4_0;
  static constexpr groups::Codes kCodes = groups::Codes::kWith;
  struct Weights {
    __m256i codes[kGroup];
  };
  static Weights load(const BlockQ4_0* x) {
    Weights w;
    for (int b = 0; b < kGroup; ++b) w.codes[b] = unpack_nibbles(x[b].qs);
    return w;
  }
  static __m256i sums(const Weights& w, const groups::ActivationRow& a, int64_t g) {
    const BlockQ8_0* y = a.blocks() + g * kGroup;
    const __m256i sums = groups::block_sums([&](int b) { return quad_sums(w.codes[b], y[b]); });
    return _mm256_add_epi32(sums, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.corrections(g))));
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
