// IQ4_XS x Q8_K dot, AVX2. Same result as generic::vec_dot_iq4_xs_q8_K up to
// float summation order (the per-super-block integer sums are exact).
#include <immintrin.h>

#include "quant/blocks.h"
#include "quant/kernels.h"
#include "quant/quant_input.h"
#include "quant/sym_layout.h"
#include "quant/x86/avx2_common.h"
#include "quant/x86/iq4_avx2.h"

namespace hearth::quant::avx2 {

// Hot decode kernel: per sub-block of 32 one pshufb lookup, one maddubs and a
// madd that multiplies by the sub-block scale while widening to int32
// (|sum| <= 2 * 32258 * 32 per lane per sub-block, far from overflow); one
// float FMA per super-block.
float vec_dot_iq4_xs_q8_K(int64_t n, const void* vx, const void* vy) {
  sym::check_whole_blocks("IQ4_XS dot", n, kQKK);
  const auto* x = static_cast<const BlockIQ4_XS*>(vx);
  const auto* y = static_cast<const BlockQ8_K*>(vy);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / kQKK; ++i) {
    __m256i sumi = _mm256_setzero_si256();
    for (int j = 0; j < kQKK / kQK; ++j) {
      const __m256i v = iq4::values_32(x[i].qs + j * kQK / 2);
      const __m256i yq = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[i].qs + j * kQK));
      const __m256i scale = _mm256_set1_epi16(static_cast<int16_t>(sym::iq4_xs_scale(x[i], j)));
      sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(iq4::pair_products(v, yq), scale));
    }
    const float d = fp16_scalar(x[i].d) * y[i].d;
    acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
  }
  return hsum(acc);
}

}  // namespace hearth::quant::avx2
