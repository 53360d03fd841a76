#include <immintrin.h>

#include "core/bandwidth.h"

namespace hearth::detail {

// Hot loop of the bandwidth probe: 128 bytes per iteration into four
// independent accumulators, so the adds never wait on each other and the
// loop is bound by the loads alone.
uint64_t read_sum_avx2(const uint8_t* data, uint64_t n) {
  __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
  for (uint64_t i = 0; i < n; i += 128) {
    const auto* p = reinterpret_cast<const __m256i*>(data + i);
    a0 = _mm256_add_epi64(a0, _mm256_loadu_si256(p));
    a1 = _mm256_add_epi64(a1, _mm256_loadu_si256(p + 1));
    a2 = _mm256_add_epi64(a2, _mm256_loadu_si256(p + 2));
    a3 = _mm256_add_epi64(a3, _mm256_loadu_si256(p + 3));
  }
  const __m256i s = _mm256_add_epi64(_mm256_add_epi64(a0, a1), _mm256_add_epi64(a2, a3));
  alignas(32) uint64_t lanes[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), s);
  return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}

}  // namespace hearth::detail
