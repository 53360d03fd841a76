// AVX2 building blocks of the asymmetric K-quant dots (Q2_K, Q4_K, Q5_K with
// Q8_K activations). Include only from *_avx2.cpp files.
//
// All three kernels share one shape per super-block:
//   integer part: maddubs(u8 quants, s8 activations) -> int16 pairs (no
//                 saturation: 2 * 31 * 128 < 32767), madd with the sub-block
//                 scale -> int32, summed over the block, then one FMA with
//                 d * y.d into the float accumulator;
//   min part:     sum_j m[j] * (activation sum of sub-block j), from Q8_K's
//                 16-element bsums, one madd per block, then one FNMA with
//                 dmin * y.d into the same accumulator (fold_superblock).
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "quant/blocks.h"
#include "quant/x86/avx2_common.h"

namespace hearth::quant::avx2::ksimd {

// 32 activations of a Q8_K block, as int8.
inline __m256i load_q8(const BlockQ8_K& y, int offset) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y.qs + offset));
}

// Sum over 32 elements of q * y, times `scale`: 8 int32 partial sums.
inline __m256i scaled_dot32(__m256i q, __m256i y, __m256i scale16) {
  return _mm256_madd_epi16(_mm256_maddubs_epi16(q, y), scale16);
}

// A super-block's d and dmin (adjacent fp16s in Q2_K, Q4_K and Q5_K) as
// floats [d, dmin, 0, 0], converted by one instruction.
template <typename Block>
inline __m128 d_dmin(const Block& x) {
  static_assert(offsetof(Block, dmin) == offsetof(Block, d) + sizeof(uint16_t));
  uint32_t both;
  std::memcpy(&both, &x.d, sizeof(both));
  return _mm_cvtph_ps(_mm_cvtsi32_si128(static_cast<int>(both)));
}

// The float step of one super-block: acc += d_x d_y * sumi, then
// acc -= dmin_x d_y * min_sums (one FMA, one FNMA into one accumulator);
// dm: d_dmin(x), d_y: the activation block's scale (the two products in one
// multiply, each rounded as the scalar product would be).
// Shared by the vec_dot kernels (through Accumulators) and the gemms
// (gemm_k_avx2.cpp, k_avx512.cpp) so all round the same way and give
// bit-identical results, which compute::matmul relies on (a token decoded
// alone goes through vec_dot, the same token in a prompt through gemm). The
// integer sums are exact, so this step, the lane layout of min_sums and the
// final hsum are all that must match. One chain of two FMAs per 256 elements
// is far shorter than a super-block's integer work, so one accumulator costs
// vec_dot nothing.
inline __m256 fold_superblock(__m256 acc, __m128 dm, float d_y, __m256i sumi, __m256i min_sums) {
  const __m256 s = _mm256_castps128_ps256(_mm_mul_ps(dm, _mm_set1_ps(d_y)));
  acc = _mm256_fmadd_ps(_mm256_broadcastss_ps(_mm256_castps256_ps128(s)), _mm256_cvtepi32_ps(sumi), acc);
  const __m256 dmin_dy = _mm256_permutevar8x32_ps(s, _mm256_set1_epi32(1));
  return _mm256_fnmadd_ps(dmin_dy, _mm256_cvtepi32_ps(min_sums), acc);
}

// Running sum of one row (fold_superblock per super-block, hsum at the end).
struct Accumulators {
  __m256 acc = _mm256_setzero_ps();

  template <typename Block>
  void add(const BlockQ8_K& y, const Block& x, __m256i sumi, __m256i min_sums) {
    acc = fold_superblock(acc, d_dmin(x), y.d, sumi, min_sums);
  }
  float result() const { return hsum(acc); }
};

// ---- Q4_K and Q5_K: 8 sub-blocks of 32, 6-bit scales ----

// The 8 mins once per 16-element activation sum: 16 int16 lanes
// m0 m0 m1 m1 .. m7 m7 (computed once per super-block; the gemm reuses it
// for every token).
inline __m256i mins_per_bsum(const uint8_t m[8]) {
  const __m128i m8 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(m));
  return _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(m8, m8));
}

// sum_j m[j] * (sum of the 32 activations of sub-block j) as 8 int32 partial
// sums (lane j: sub-block j): one madd of the duplicated mins with Q8_K's 16
// bsums (|m bsum| < 2^17). Two port-5 operations, where summing bsum pairs
// first (hadd) took three.
inline __m256i min_sums_32(__m256i mins16, const BlockQ8_K& y) {
  return _mm256_madd_epi16(mins16, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y.bsums)));
}

// The 8 sub-block scales as int16, in both 128-bit lanes; scale_of(s, j)
// then broadcasts scale j to all 16 lanes with one in-lane shuffle. Hot:
// _mm256_set1_epi16(sc[j]) from a byte costs a load, a move to a vector
// register and a broadcast, the last two on port 5 (16 port-5 operations
// per super-block, where the 8 shuffles here are 8 plus 2 to set up).
inline __m256i scales16(const uint8_t sc[8]) {
  const __m128i s = _mm_cvtepu8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(sc)));
  return _mm256_broadcastsi128_si256(s);
}
inline __m256i scale_of(__m256i scales, int j) {
  const auto lo = static_cast<short>(2 * j), hi = static_cast<short>(2 * j + 1);
  return _mm256_shuffle_epi8(scales, _mm256_set1_epi16(static_cast<short>(lo | (hi << 8))));
}

// Integer dot of one Q4_K / Q5_K super-block with its Q8_K block, scales
// applied: 8 int32 partial sums of sum_j sc[j] * sum_{i in j} q[i] * y[i].
// qs: 128 bytes of nibbles; qh: 32 bytes of fifth bits (Q5_K) or nullptr.
// Hot: one iteration per 64-element chunk, all in registers; the fifth bit is
// a compile-time branch so Q4_K pays nothing for it.
template <bool kFifthBit>
inline __m256i dot_q45_superblock(const uint8_t* qs, const uint8_t* qh, const uint8_t sc[8],
                                  const BlockQ8_K& y) {
  const __m256i low4 = _mm256_set1_epi8(0x0f);
  const __m256i bit4 = _mm256_set1_epi8(0x10);
  __m256i high_bits = _mm256_setzero_si256();
  if constexpr (kFifthBit) high_bits = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qh));
  const __m256i scales = scales16(sc);
  __m256i sumi = _mm256_setzero_si256();
  for (int c = 0; c < 4; ++c) {
    const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qs + 32 * c));
    __m256i lo = _mm256_and_si256(q, low4);
    __m256i hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), low4);
    if constexpr (kFifthBit) {
      // bit 2c of qh[l] belongs to element 64c + l, bit 2c + 1 to 64c + 32 + l.
      const __m256i mask_lo = _mm256_set1_epi8(static_cast<char>(1 << (2 * c)));
      const __m256i mask_hi = _mm256_set1_epi8(static_cast<char>(2 << (2 * c)));
      const __m256i set_lo = _mm256_cmpeq_epi8(_mm256_and_si256(high_bits, mask_lo), mask_lo);
      const __m256i set_hi = _mm256_cmpeq_epi8(_mm256_and_si256(high_bits, mask_hi), mask_hi);
      lo = _mm256_or_si256(lo, _mm256_and_si256(set_lo, bit4));
      hi = _mm256_or_si256(hi, _mm256_and_si256(set_hi, bit4));
    }
    sumi = _mm256_add_epi32(sumi, scaled_dot32(lo, load_q8(y, 64 * c), scale_of(scales, 2 * c)));
    sumi = _mm256_add_epi32(sumi, scaled_dot32(hi, load_q8(y, 64 * c + 32), scale_of(scales, 2 * c + 1)));
  }
  return sumi;
}

}  // namespace hearth::quant::avx2::ksimd
