// Q2_K · Q8_K with AVX2 (layout in quant/q2_K.cpp, kernel shape in k_asym_avx2.h).
#include "quant/k_asym.h"
#include "quant/kernels.h"
#include "quant/quant_input.h"
#include "quant/x86/k_asym_avx2.h"

namespace hearth::quant::avx2 {

namespace {

// sum_j m[j] * bsums[j] over the 16 sub-blocks of 16: 8 int32 partial sums.
__m256i min_sums_16(__m128i mins4, const BlockQ8_K& y) {
  const __m256i bsums = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y.bsums));
  return _mm256_madd_epi16(_mm256_cvtepu8_epi16(mins4), bsums);
}

// Integer dot of one super-block, scales applied: 8 int32 partial sums.
// Hot: each 32-byte load of qs feeds four 32-element steps (one per 2-bit
// field); in each step the low 128-bit lane holds sub-block 2p and the high
// lane sub-block 2p + 1, so one in-lane byte shuffle of the 16 scales (both
// lanes hold all 16) gives the matching int16 scale vector.
__m256i dot_q2_superblock(const uint8_t* qs, __m128i scales4, const BlockQ8_K& y) {
  const __m256i two_bits = _mm256_set1_epi8(3);
  const __m256i scales = _mm256_broadcastsi128_si256(scales4);
  // int16 lanes 0x8000 | k pick byte k and zero the high byte: k = 2p low, 2p + 1 high.
  __m256i pick = _mm256_set_m128i(_mm_set1_epi16(static_cast<short>(0x8001)),
                                  _mm_set1_epi16(static_cast<short>(0x8000)));
  const __m256i next_pair = _mm256_set1_epi16(2);
  __m256i sumi = _mm256_setzero_si256();
  for (int h = 0; h < 2; ++h) {
    const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qs + 32 * h));
    for (int s = 0; s < 4; ++s) {
      const __m256i q2 = _mm256_and_si256(_mm256_srli_epi16(q, 2 * s), two_bits);
      const __m256i scale16 = _mm256_shuffle_epi8(scales, pick);
      sumi = _mm256_add_epi32(sumi, ksimd::scaled_dot32(q2, ksimd::load_q8(y, 128 * h + 32 * s),
                                                        scale16));
      pick = _mm256_add_epi16(pick, next_pair);
    }
  }
  return sumi;
}

}  // namespace

float vec_dot_q2_K_q8_K(int64_t n, const void* vx, const void* vy) {
  sym::check_whole_blocks("q2_K", n, kQKK);
  const auto* x = static_cast<const BlockQ2_K*>(vx);
  const auto* y = static_cast<const BlockQ8_K*>(vy);
  const __m128i low4 = _mm_set1_epi8(0x0f);
  ksimd::Accumulators acc;
  for (int64_t b = 0; b < n / kQKK; ++b) {
    const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x[b].scales));
    const __m128i scales4 = _mm_and_si128(packed, low4);
    const __m128i mins4 = _mm_and_si128(_mm_srli_epi16(packed, 4), low4);
    acc.add(y[b], x[b], dot_q2_superblock(x[b].qs, scales4, y[b]),
            min_sums_16(mins4, y[b]));
  }
  return acc.result();
}

}  // namespace hearth::quant::avx2
