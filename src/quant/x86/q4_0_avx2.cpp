// AVX2 dot and gemm of Q4_0 weights with Q8_0 activations: the group shape
// of block_groups.h (lanes are blocks, one convert and one FMA per 8 blocks),
// with the integer sums made by maddubs and a reduction tree.
//
// Per block: the 32 codes unpacked (unsigned, 0..15), one maddubs with the
// activations: 16 int16 sums of element pairs. The 8 blocks' vectors are
// then reduced to one int32 per block by a tree of unpacks and adds (below).
// About 6 vector ops per block where the element-lane shape (a convert, an
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

// Products of one block's codes with its activations: 16 int16 sums of
// element pairs, elements 0..15 in the low 128-bit lane, 16..31 in the high
// one (|s| <= 2 * 15 * 127: maddubs does not saturate).
inline __m256i pair_sums(__m256i codes, const BlockQ8_0& y) {
  return _mm256_maddubs_epi16(codes, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y.qs)));
}

// The reduction tree: 8 blocks' pair sums -> one int32 per block. Each level
// interleaves two vectors (two unpacks, at 16, 32 then 64 bits) and adds the
// halves, so every lane then holds twice the elements of one block. Sums stay
// exact in int16 up to 16 elements (|s| <= 16 * 15 * 127 = 30480), which is
// where the last step widens to int32 and joins the two 128-bit lanes
// (elements 0..15 and 16..31). On AMD Zen 4 a hadd takes ~2 cycles of
// throughput and an unpack ~0.5; the same tree with two hadd levels ran the
// one-core gemm at 55 GFLOP/s, this one at 63.
//   level 1: [a0 b0 a1 b1 ..] + [a4 b4 a5 b5 ..]  -> a, b alternating per int16
//   level 2: 32-bit interleave of (a b) and (c d) -> a b c d a b c d
//   level 3: 64-bit interleave of (a b c d) and (e f g h) -> a b c d e f g h
inline __m256i level1(__m256i a, __m256i b) {
  return _mm256_add_epi16(_mm256_unpacklo_epi16(a, b), _mm256_unpackhi_epi16(a, b));
}
inline __m256i level2(__m256i ab, __m256i cd) {
  return _mm256_add_epi16(_mm256_unpacklo_epi32(ab, cd), _mm256_unpackhi_epi32(ab, cd));
}
inline __m256i block_sums(__m256i abcd, __m256i efgh) {
  const __m256i s16 = _mm256_add_epi16(_mm256_unpacklo_epi64(abcd, efgh), _mm256_unpackhi_epi64(abcd, efgh));
  return _mm256_add_epi32(_mm256_cvtepi16_epi32(_mm256_castsi256_si128(s16)),
                          _mm256_cvtepi16_epi32(_mm256_extracti128_si256(s16, 1)));
}

// Q4_0 in groups (block_groups.h): each group's codes are unpacked once,
// then meet every token's activations. Per group and token: 8 maddubs, the
// tree (14 unpacks, 7 adds, the widening) and the corrections.
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
    const __m256i ab = level1(pair_sums(w.codes[0], y[0]), pair_sums(w.codes[1], y[1]));
    const __m256i cd = level1(pair_sums(w.codes[2], y[2]), pair_sums(w.codes[3], y[3]));
    const __m256i ef = level1(pair_sums(w.codes[4], y[4]), pair_sums(w.codes[5], y[5]));
    const __m256i gh = level1(pair_sums(w.codes[6], y[6]), pair_sums(w.codes[7], y[7]));
    return _mm256_add_epi32(block_sums(level2(ab, cd), level2(ef, gh)),
                            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.corrections(g))));
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
