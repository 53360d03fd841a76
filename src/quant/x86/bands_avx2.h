// AVX2 building blocks shared by the band kernels (quant/interleave.h):
// broadcasts of activation bytes, the int16 pair shuffles of the K formats'
// sub-block scales, and the driver of the super-block formats (Q4_K, Q6_K
// with Q8_K activations) over bands and token tiles. Include only from
// *_avx2.cpp files.
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "quant/blocks.h"
#include "quant/bands.h"

namespace hearth::quant::avx2::bandsimd {

// 4 activation bytes (the ones a band vector's 4 code bytes per row meet),
// in every 32-bit lane.
inline __m256i broadcast4(const void* p) {
  int32_t v;
  std::memcpy(&v, p, sizeof(v));
  return _mm256_set1_epi32(v);
}

inline __m256i load32(const uint8_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }

// From int16 pairs (a_r, b_r) in 32-bit lane r: (a_r, a_r) (k = 0) or
// (b_r, b_r) (k = 1), the multiplier of one sub-block's sums in a madd.
inline __m256i one_of_pair(__m256i pairs, int k) {
  const __m256i even = _mm256_setr_epi8(0, 1, 0, 1, 4, 5, 4, 5, 8, 9, 8, 9, 12, 13, 12, 13,  //
                                        0, 1, 0, 1, 4, 5, 4, 5, 8, 9, 8, 9, 12, 13, 12, 13);
  const __m256i odd = _mm256_setr_epi8(2, 3, 2, 3, 6, 7, 6, 7, 10, 11, 10, 11, 14, 15, 14, 15,  //
                                       2, 3, 2, 3, 6, 7, 6, 7, 10, 11, 10, 11, 14, 15, 14, 15);
  return _mm256_shuffle_epi8(pairs, k ? odd : even);
}

// A band of n-element rows times NT tokens: K::band_times_tokens<NT>(nsb,
// band, y, acc) adds row r . token t into lane r of acc[t]. Not inlined:
// each token count compiles alone (inlined into one gemm, Q6_K's one-token
// tile lost 10 % to the two-token one's register allocation).
template <typename K, int NT>
[[gnu::noinline]] void tile(int64_t n, const uint8_t* band, const uint8_t* a, uint64_t a_stride, int64_t t0, float* y,
                            int64_t ldy) {
  const BlockQ8_K* rows[NT];
  __m256 acc[NT];
  for (int t = 0; t < NT; ++t) {
    rows[t] = reinterpret_cast<const BlockQ8_K*>(a + static_cast<uint64_t>(t0 + t) * a_stride);
    acc[t] = _mm256_setzero_ps();
  }
  K::template band_times_tokens<NT>(n / kQKK, band, rows, acc);
  for (int t = 0; t < NT; ++t) _mm256_storeu_ps(y + (t0 + t) * ldy, acc[t]);
}

// interleave.h's BandGemmFn for a super-block format K (K::kSuperBlockBytes
// per 8 rows' super-block, K::kTokens per register tile; the rest one token
// at a time).
template <typename K>
void gemm(int64_t n, const void* band_data, int64_t n_bands, const void* a, uint64_t a_stride, int64_t n_tok, float* y,
          int64_t ldy) {
  const uint64_t band_bytes = static_cast<uint64_t>(n / kQKK) * K::kSuperBlockBytes;
  const auto* act = static_cast<const uint8_t*>(a);
  for (int64_t k = 0; k < n_bands; ++k) {
    const uint8_t* band = static_cast<const uint8_t*>(band_data) + static_cast<uint64_t>(k) * band_bytes;
    float* yk = y + k * bands::kRows;
    int64_t t = 0;
    for (; t + K::kTokens <= n_tok; t += K::kTokens) tile<K, K::kTokens>(n, band, act, a_stride, t, yk, ldy);
    for (; t < n_tok; ++t) tile<K, 1>(n, band, act, a_stride, t, yk, ldy);
  }
}

}  // namespace hearth::quant::avx2::bandsimd
