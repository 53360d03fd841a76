// AVX2 dots of F32, F16 (via F16C) and BF16 rows, any n.
#include <immintrin.h>

#include <cstdint>

#include "quant/kernels.h"
#include "quant/x86/avx2_common.h"

namespace hearth::quant::avx2 {

namespace {

__m256 load8_f32(const float* p) { return _mm256_loadu_ps(p); }

__m256 load8_f16(const uint16_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

// bf16 is the top half of an fp32: widen to 32 bits and shift into place.
__m256 load8_bf16(const uint16_t* p) {
  const __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  return _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16));
}

// sum_i x_i y_i. Memory-bound hot loop: 32 elements per iteration into four
// independent FMA chains (4 x 8 lanes covers the FMA latency x throughput of
// current cores), then 8 at a time; the last n % 8 go to the scalar kernel.
template <typename T, __m256 (*Load8)(const T*), VecDotFn Tail>
float dot_row(int64_t n, const void* vx, const void* vy) {
  const auto* x = static_cast<const T*>(vx);
  const auto* y = static_cast<const T*>(vy);
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  __m256 acc2 = _mm256_setzero_ps(), acc3 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    acc0 = _mm256_fmadd_ps(Load8(x + i), Load8(y + i), acc0);
    acc1 = _mm256_fmadd_ps(Load8(x + i + 8), Load8(y + i + 8), acc1);
    acc2 = _mm256_fmadd_ps(Load8(x + i + 16), Load8(y + i + 16), acc2);
    acc3 = _mm256_fmadd_ps(Load8(x + i + 24), Load8(y + i + 24), acc3);
  }
  for (; i + 8 <= n; i += 8) acc0 = _mm256_fmadd_ps(Load8(x + i), Load8(y + i), acc0);
  const float head = hsum(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)));
  return i < n ? head + Tail(n - i, x + i, y + i) : head;
}

}  // namespace

float vec_dot_f32_f32(int64_t n, const void* x, const void* y) {
  return dot_row<float, load8_f32, generic::vec_dot_f32_f32>(n, x, y);
}

float vec_dot_f16_f16(int64_t n, const void* x, const void* y) {
  return dot_row<uint16_t, load8_f16, generic::vec_dot_f16_f16>(n, x, y);
}

float vec_dot_bf16_bf16(int64_t n, const void* x, const void* y) {
  return dot_row<uint16_t, load8_bf16, generic::vec_dot_bf16_bf16>(n, x, y);
}

}  // namespace hearth::quant::avx2
