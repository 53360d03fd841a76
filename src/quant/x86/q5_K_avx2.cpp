// Q5_K · Q8_K with AVX2 (layout in quant/q5_K.cpp, kernel shape in k_asym_avx2.h).
#include "quant/k_asym.h"
#include "quant/kernels.h"
#include "quant/quant_input.h"
#include "quant/x86/k_asym_avx2.h"

namespace hearth::quant::avx2 {

float vec_dot_q5_K_q8_K(int64_t n, const void* vx, const void* vy) {
  sym::check_whole_blocks("q5_K", n, kQKK);
  const auto* x = static_cast<const BlockQ5_K*>(vx);
  const auto* y = static_cast<const BlockQ8_K*>(vy);
  ksimd::Accumulators acc;
  for (int64_t b = 0; b < n / kQKK; ++b) {
    prefetch_stream<sizeof(BlockQ5_K)>(x + b);
    uint8_t sc[8], m[8];
    kasym::unpack_scales_mins_6bit(x[b].scales, sc, m);
    acc.add(y[b], x[b], ksimd::dot_q45_superblock<true>(x[b].qs, x[b].qh, sc, y[b]),
            ksimd::min_sums_32(ksimd::mins_per_bsum(m), y[b]));
  }
  return acc.result();
}

}  // namespace hearth::quant::avx2
