// AVX2 activation quantizers: Q8_0 (the Q4_0 / Q8_0 / Q5_0 / IQ4_NL dots'
// activations) and Q8_K (the K and IQ4_XS dots'). Every matmul quantizes its
// input row once; in a decode step that is serial work on one thread while
// the others wait (the scalar loops cost ~2 % of a Llama-3.2-1B decode step
// here), so they get SIMD versions. Same bits as the scalar references
// (q8_0.cpp, q8_K.cpp), NaNs included: tests/quant/activations_test.cpp.
#include <immintrin.h>

#include <cstdint>

#include "quant/blocks.h"
#include "quant/kernels.h"
#include "quant/legacy_common.h"
#include "quant/quant_input.h"

namespace hearth::quant::avx2 {

namespace {

// max |x| over n floats (n a multiple of 8), NaNs skipped: quant/abs_max.h's
// lanes (max_ps returns its second operand, the lane, for a NaN).
inline float abs_max(const float* x, int n) {
  const __m256 sign = _mm256_set1_ps(-0.0f);
  __m256 m = _mm256_setzero_ps();
  for (int i = 0; i < n; i += 8) m = _mm256_max_ps(_mm256_andnot_ps(sign, _mm256_loadu_ps(x + i)), m);
  __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
  h = _mm_max_ps(h, _mm_movehl_ps(h, h));
  h = _mm_max_ss(h, _mm_shuffle_ps(h, h, 1));
  return _mm_cvtss_f32(h);
}

// 32 int32 in -127..127 (four vectors, in order) as 32 int8.
inline __m256i pack32(__m256i a, __m256i b, __m256i c, __m256i d) {
  const __m256i ab = _mm256_packs_epi32(a, b), cd = _mm256_packs_epi32(c, d);
  return _mm256_permutevar8x32_epi32(_mm256_packs_epi16(ab, cd), _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

// Q8_0's q = round(clamp(x / d, -127, 127)): the clamp as min then max (min_ps
// gives its second operand, 127, for a NaN, as legacy::clamp), the rounding
// to nearest even by the conversion (legacy::round_nearest's result there).
inline __m256i q8_0_codes(const float* x, __m256 id) {
  const __m256 hi = _mm256_set1_ps(127.0f), lo = _mm256_set1_ps(-127.0f);
  __m256i q[4];
  for (int v = 0; v < 4; ++v) {
    const __m256 c = _mm256_max_ps(_mm256_min_ps(_mm256_mul_ps(_mm256_loadu_ps(x + 8 * v), id), hi), lo);
    q[v] = _mm256_cvtps_epi32(c);
  }
  return pack32(q[0], q[1], q[2], q[3]);
}

// Q8_K's round_clamped: (x * inv + 1.5 * 2^23)'s bits minus the constant's,
// clamped to -127..127. The product is kept from being fused with the add
// (an FMA rounds once, the reference twice).
inline __m256i q8_K_codes(const float* x, __m256 inv, __m256i (&sums)[2]) {
  const __m256 magic = _mm256_set1_ps(12582912.0f);
  const __m256i lo = _mm256_set1_epi32(-127), hi = _mm256_set1_epi32(127);
  __m256i q[4];
  for (int v = 0; v < 4; ++v) {
    __m256 p = _mm256_mul_ps(_mm256_loadu_ps(x + 8 * v), inv);
    asm("" : "+x"(p));
    const __m256i r = _mm256_sub_epi32(_mm256_castps_si256(_mm256_add_ps(p, magic)), _mm256_castps_si256(magic));
    q[v] = _mm256_min_epi32(_mm256_max_epi32(r, lo), hi);
  }
  sums[0] = _mm256_add_epi32(q[0], q[1]);  // elements 0..15
  sums[1] = _mm256_add_epi32(q[2], q[3]);  // elements 16..31
  return pack32(q[0], q[1], q[2], q[3]);
}

// The 8 lanes' sums of four vectors, as 4 int32.
inline __m128i lane_sums4(__m256i a, __m256i b, __m256i c, __m256i d) {
  const __m256i s = _mm256_hadd_epi32(_mm256_hadd_epi32(a, b), _mm256_hadd_epi32(c, d));
  return _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
}

}  // namespace

void quantize_row_q8_0(const float* src, void* dst, int64_t n, const float* /*imatrix*/) {
  auto* y = static_cast<BlockQ8_0*>(dst);
  for (int64_t b = 0; b < legacy::block_count(n); ++b) {
    const float* x = src + b * kQK;
    const uint16_t d16 = legacy::saturating_fp16(abs_max(x, kQK) / 127.0f);
    const float d = fp16_to_fp32(d16);
    const __m256i q = q8_0_codes(x, _mm256_set1_ps(d != 0.0f ? 1.0f / d : 0.0f));
    y[b].d = d16;
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(y[b].qs), q);
  }
}

void quantize_row_q8_K(const float* src, void* dst, int64_t n, const float* /*imatrix*/) {
  sym::check_whole_blocks("q8_K", n, kQKK);
  auto* blocks = static_cast<BlockQ8_K*>(dst);
  for (int64_t b = 0; b < n / kQKK; ++b) {
    const float* x = src + b * kQKK;
    BlockQ8_K& out = blocks[b];
    const float amax = abs_max(x, kQKK);
    out.d = amax / 127.0f;
    const __m256 inv = _mm256_set1_ps(amax > 0 ? 127.0f / amax : 0.0f);
    __m256i sums[16];  // per 16 elements: 8 lanes to add up
    for (int v = 0; v < kQKK / 32; ++v) {
      __m256i s[2];
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out.qs + 32 * v), q8_K_codes(x + 32 * v, inv, s));
      sums[2 * v] = s[0];
      sums[2 * v + 1] = s[1];
    }
    for (int k = 0; k < 16; k += 8) {
      const __m128i lo = lane_sums4(sums[k], sums[k + 1], sums[k + 2], sums[k + 3]);
      const __m128i hi = lane_sums4(sums[k + 4], sums[k + 5], sums[k + 6], sums[k + 7]);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out.bsums + k), _mm_packs_epi32(lo, hi));
    }
  }
}

}  // namespace hearth::quant::avx2
