// AVX2 + FMA versions of the row ops that run serially every token (compute/
// ops.h): the FFN gates on the whole FFN width (a libm exp or tanh per element
// in the portable versions) and RMS norm (a double sum the compiler cannot
// vectorise). Called through their portable namesakes.
#include <immintrin.h>

#include <cmath>

#include "compute/exp_avx2.h"
#include "compute/ops.h"

namespace hearth::compute::avx2 {

namespace {

// gate[i] = gate[i] / (1 + e^-z(gate[i])) * up[i], 8 at a time; the tail
// through a padded vector so every element sees the same formula (and bits).
template <typename Z>
void gated(float* gate, const float* up, int64_t n, Z z) {
  const __m256 one = _mm256_set1_ps(1.0f);
  const auto step = [&](__m256 g, __m256 u) {
    const __m256 e = exp_avx2(_mm256_sub_ps(_mm256_setzero_ps(), z(g)));
    return _mm256_mul_ps(_mm256_div_ps(g, _mm256_add_ps(one, e)), u);
  };
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(gate + i, step(_mm256_loadu_ps(gate + i), _mm256_loadu_ps(up + i)));
  if (i < n) {
    alignas(32) float g[8] = {}, u[8] = {};
    for (int64_t k = i; k < n; ++k) g[k - i] = gate[k], u[k - i] = up[k];
    _mm256_store_ps(g, step(_mm256_load_ps(g), _mm256_load_ps(u)));
    for (int64_t k = i; k < n; ++k) gate[k] = g[k - i];
  }
}

}  // namespace

// SiLU: g sigmoid(g).
void silu_mul(float* gate, const float* up, int64_t n) {
  gated(gate, up, n, [](__m256 g) { return g; });
}

// GELU, tanh form: 0.5 g (1 + tanh(u)) = g sigmoid(2u), u = sqrt(2/pi) g
// (1 + 0.044715 g^2); the sigmoid form has no 1 + tanh cancellation.
void gelu_mul(float* gate, const float* up, int64_t n) {
  gated(gate, up, n, [](__m256 g) {
    const __m256 g2 = _mm256_mul_ps(g, g);
    const __m256 inner = _mm256_fmadd_ps(_mm256_set1_ps(0.044715f), g2, _mm256_set1_ps(1.0f));
    return _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(2.0f * 0.7978845608028654f), g), inner);
  });
}

// Sum of squares in 4 double lanes (the reference sums in double too).
float rms_scale(const float* x, int64_t n, float eps) {
  __m256d acc0 = _mm256_setzero_pd(), acc1 = _mm256_setzero_pd();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    const __m256d lo = _mm256_cvtps_pd(_mm256_castps256_ps128(v)), hi = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
    acc0 = _mm256_fmadd_pd(lo, lo, acc0);
    acc1 = _mm256_fmadd_pd(hi, hi, acc1);
  }
  alignas(32) double lanes[4];
  _mm256_store_pd(lanes, _mm256_add_pd(acc0, acc1));
  double ss = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
  for (int64_t k = i; k < n; ++k) ss += double(x[k]) * x[k];
  return 1.0f / std::sqrt(static_cast<float>(ss / static_cast<double>(n)) + eps);
}

// y = x * s * w in the reference's order.
void rms_apply(const float* x, float s, const float* w, float* y, int64_t n) {
  const __m256 vs = _mm256_set1_ps(s);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 xs = _mm256_mul_ps(_mm256_loadu_ps(x + i), vs);
    _mm256_storeu_ps(y + i, w ? _mm256_mul_ps(xs, _mm256_loadu_ps(w + i)) : xs);
  }
  for (; i < n; ++i) y[i] = w ? x[i] * s * w[i] : x[i] * s;
}

}  // namespace hearth::compute::avx2
