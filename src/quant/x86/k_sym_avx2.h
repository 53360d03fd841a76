// AVX2 core shared by the Q3_K and Q6_K dots. Include only from *_avx2.cpp.
//
// Both formats are, per super-block of 256, unsigned level indices u (Q3_K
// 0..7, Q6_K 0..63) with value u - offset, and 16 int8 sub-block scales s:
//   dot = sum_e s[e / 16] * (u_e - offset) * y_e
//       = sum_e s[e / 16] * u_e * y_e  -  offset * sum_j s[j] * bsums[j]
// The second form lets maddubs take u as its unsigned operand; the offset term
// is one madd against the Q8_K block sums.
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "quant/blocks.h"

namespace hearth::quant::avx2::ksym {

// Scales for the 4 vectors of one 128-element half: `half_scales` holds the
// half's 8 scales as int16 in both 128-bit lanes; vector k of the half covers
// sub-blocks 2k (low lane) and 2k + 1 (high lane), so it needs s[2k] in every
// int16 of the low lane and s[2k + 1] in every int16 of the high lane.
template <int k>
inline __m256i pair_scales(__m256i half_scales) {
  constexpr char lo0 = 4 * k, lo1 = 4 * k + 1, hi0 = 4 * k + 2, hi1 = 4 * k + 3;
  const __m256i mask = _mm256_setr_epi8(lo0, lo1, lo0, lo1, lo0, lo1, lo0, lo1, lo0, lo1, lo0, lo1,
                                        lo0, lo1, lo0, lo1, hi0, hi1, hi0, hi1, hi0, hi1, hi0, hi1,
                                        hi0, hi1, hi0, hi1, hi0, hi1, hi0, hi1);
  return _mm256_shuffle_epi8(half_scales, mask);
}

// sum over one 128-element half of s[e / 16] * u_e * y_e as 8 int32 lanes.
// u[k]: elements 32k..32k+31 of the half (unsigned, < 128); y: the half's 128
// activations; scales8: the half's 8 int8 scales. maddubs pairs stay below
// 2^15 (2 * 127 * 127), madd by the scale widens to int32.
inline __m256i half_dot(const __m256i u[4], const int8_t* y, const int8_t* scales8) {
  const __m128i s8 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(scales8));
  const __m256i s16 = _mm256_broadcastsi128_si256(_mm_cvtepi8_epi16(s8));
  auto term = [&](__m256i uk, int k, __m256i sc) {
    const __m256i yk = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y + 32 * k));
    return _mm256_madd_epi16(_mm256_maddubs_epi16(uk, yk), sc);
  };
  const __m256i a =
      _mm256_add_epi32(term(u[0], 0, pair_scales<0>(s16)), term(u[1], 1, pair_scales<1>(s16)));
  const __m256i b =
      _mm256_add_epi32(term(u[2], 2, pair_scales<2>(s16)), term(u[3], 3, pair_scales<3>(s16)));
  return _mm256_add_epi32(a, b);
}

// offset * sum_j s[j] * bsums[j] as 8 int32 lanes; offset = 1 << kShift.
template <int kShift>
inline __m256i offset_term(const int8_t* scales16, const int16_t* bsums) {
  const __m256i s =
      _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(scales16)));
  const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bsums));
  return _mm256_slli_epi32(_mm256_madd_epi16(s, b), kShift);
}

// The float step of one super-block: acc += d_x d_y * sumi (sumi: the
// super-block's exact integer dot, 8 int32 lanes as half_dot and offset_term
// lay them out). Shared by the Q3_K / Q6_K vec_dot kernels and the Q6_K gemm
// (gemm_k_avx2.cpp), which with the same final hsum makes gemm and vec_dot
// bit-identical, as compute::matmul relies on (a token decoded alone goes
// through vec_dot, the same token in a prompt through gemm).
inline __m256 fold_superblock(__m256 acc, float d_dy, __m256i sumi) {
  return _mm256_fmadd_ps(_mm256_set1_ps(d_dy), _mm256_cvtepi32_ps(sumi), acc);
}

// The 4 vectors of 32 6-bit level indices of one 128-element half of a Q6_K
// super-block (layout: quant/sym_layout.h): vector k takes its low nibbles
// from ql[32 (k & 1) ..] (low nibble for k < 2, high for k >= 2) and its two
// high bits from qh bits 2k..2k+1, moved to bits 4..5. The 16-bit shifts leak
// bits across bytes, but only into bits the mask then clears.
inline void unpack_q6_half(const uint8_t* ql, const uint8_t* qh, __m256i u[4]) {
  const __m256i m4 = _mm256_set1_epi8(0x0f);
  const __m256i m30 = _mm256_set1_epi8(0x30);
  const __m256i l0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ql));
  const __m256i l1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ql + 32));
  const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qh));
  u[0] = _mm256_or_si256(_mm256_and_si256(l0, m4), _mm256_and_si256(_mm256_slli_epi16(h, 4), m30));
  u[1] = _mm256_or_si256(_mm256_and_si256(l1, m4), _mm256_and_si256(_mm256_slli_epi16(h, 2), m30));
  u[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), m4), _mm256_and_si256(h, m30));
  u[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4),
                         _mm256_and_si256(_mm256_srli_epi16(h, 2), m30));
}

}  // namespace hearth::quant::avx2::ksym
