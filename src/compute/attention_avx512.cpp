// AVX-512 attention kernel (contract in compute/attention.h): the kernel of
// compute/attention_simd.h on 16-float vectors, 16 accumulators a tile (the
// 32 registers). A key or value row of 64 dims is 4 vectors instead of 8,
// and a 64-dim value head is one pass over the cells for 4 query heads.
//
// Compiled for AVX-512 by a target region around the shared header, which
// this file instantiates with its own policy alone (cmake/hearth.cmake: no
// function is compiled under one name for two targets). The headers it
// includes are read before the region: their inline functions stay AVX2.
#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "compute/attention.h"
#include "compute/exp_avx2.h"
#include "compute/ops.h"
#include "quant/blocks.h"
#include "quant/x86/avx2_common.h"
#include "quant/x86/avx512_common.h"

#include "quant/x86/avx512_region_begin.h"

#include "compute/attention_simd.h"

namespace hearth::compute::avx512 {

namespace {

struct Zmm {
  using F = __m512;
  static constexpr int kWidth = 16;
  static constexpr int kChains = 16;

  template <Kv kKv>
  static F load(const uint8_t* row, int64_t i) {
    if constexpr (kKv == Kv::F16) {
      return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + 2 * i)));
    } else if constexpr (kKv == Kv::F32) {
      return _mm512_loadu_ps(reinterpret_cast<const float*>(row) + i);
    } else {
      // d * q, one rounding, as the reference dequantizes.
      const auto* b = reinterpret_cast<const quant::BlockQ8_0*>(row) + i / quant::kQK;
      const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b->qs + i % quant::kQK));
      return _mm512_mul_ps(_mm512_set1_ps(_cvtsh_ss(b->d)), _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(q)));
    }
  }
  static F loadu(const float* p) { return _mm512_loadu_ps(p); }
  static void storeu(float* p, F v) { _mm512_storeu_ps(p, v); }
  static F zero() { return _mm512_setzero_ps(); }
  static F set1(float x) { return _mm512_set1_ps(x); }
  static F fmadd(F a, F b, F c) { return _mm512_fmadd_ps(a, b, c); }
  // Each accumulator's halves added (lane m + lane m + 8), then the AVX2
  // transpose tree on the 16 folded vectors, 8 at a time.
  static __m256 fold(F v) {
    return _mm256_add_ps(_mm512_castps512_ps256(v), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
  }
  static void sums(const F (&acc)[kChains], float* s) {
    _mm256_store_ps(s, hsum8(fold(acc[0]), fold(acc[1]), fold(acc[2]), fold(acc[3]), fold(acc[4]), fold(acc[5]),
                             fold(acc[6]), fold(acc[7])));
    _mm256_store_ps(s + 8, hsum8(fold(acc[8]), fold(acc[9]), fold(acc[10]), fold(acc[11]), fold(acc[12]),
                                 fold(acc[13]), fold(acc[14]), fold(acc[15])));
  }
};

}  // namespace

void attend(const AttentionGroup& g, std::vector<float>& scores) { attend_simd<Zmm>(g, scores); }

}  // namespace hearth::compute::avx512

#include "quant/x86/avx512_region_end.h"
