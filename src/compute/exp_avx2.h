// e^x on 8 floats for the AVX2 kernels of compute/ (softmax in attention,
// the FFN gates in ops). Include only from _avx2.cpp files.
#pragma once

#include <immintrin.h>

namespace hearth::compute::avx2 {

// e^x: x = n ln2 + r with |r| <= ln2 / 2, e^r by its degree-6 Taylor
// polynomial (truncation < 2e-7 relative), 2^n put straight into the exponent
// bits. x is clamped to [-87, 88] first, so 2^n stays a normal float: e^-87
// ~ 1.6e-38 stands for anything smaller (nothing next to the e^0 = 1 of a
// softmax's max, and a SiLU gate of -87 or below is -0 either way), e^88 ~
// 1.7e38 for anything larger. A NaN gives e^-87 (max_ps returns its second
// operand for a NaN); callers that must propagate NaN keep x in the formula.
inline __m256 exp_avx2(__m256 x) {
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.0f)), _mm256_set1_ps(88.0f));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  // r = x - n ln2, ln2 split in a part exact in float and the rest.
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.0f / 720);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
  const __m256i pow2n = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(pow2n));
}

}  // namespace hearth::compute::avx2
