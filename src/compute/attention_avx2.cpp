// AVX2 + FMA + F16C attention kernel (contract in compute/attention.h): the
// kernel of compute/attention_simd.h on 8-float vectors.
#include <immintrin.h>

#include <cstdint>
#include <vector>

#include "compute/attention.h"
#include "compute/attention_simd.h"
#include "quant/blocks.h"

namespace hearth::compute::avx2 {

namespace {

// 8 floats; 8 accumulators of a tile and their operands fit the 16 registers.
struct Ymm {
  using F = __m256;
  static constexpr int kWidth = 8;
  static constexpr int kChains = 8;

  template <Kv kKv>
  static F load(const uint8_t* row, int64_t i) {
    if constexpr (kKv == Kv::F16) {
      return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row + 2 * i)));
    } else if constexpr (kKv == Kv::F32) {
      return _mm256_loadu_ps(reinterpret_cast<const float*>(row) + i);
    } else {
      // d * q, one rounding, as the reference dequantizes.
      const auto* b = reinterpret_cast<const quant::BlockQ8_0*>(row) + i / quant::kQK;
      const __m128i q = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(b->qs + i % quant::kQK));
      return _mm256_mul_ps(_mm256_set1_ps(_cvtsh_ss(b->d)), _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q)));
    }
  }
  static F loadu(const float* p) { return _mm256_loadu_ps(p); }
  static void storeu(float* p, F v) { _mm256_storeu_ps(p, v); }
  static F zero() { return _mm256_setzero_ps(); }
  static F set1(float x) { return _mm256_set1_ps(x); }
  static F fmadd(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); }
  static void sums(const F (&acc)[kChains], float* s) {
    _mm256_store_ps(s, hsum8(acc[0], acc[1], acc[2], acc[3], acc[4], acc[5], acc[6], acc[7]));
  }
};

}  // namespace

void attend(const AttentionGroup& g, std::vector<float>& scores) { attend_simd<Ymm>(g, scores); }

}  // namespace hearth::compute::avx2
