// IQ4_NL: blocks of 32, x = d * kIQ4NLValues[q] with d fp16 and q a nibble
// (layout of Q4_0: quant/sym_layout.h).
#include <cmath>

#include "core/fp16.h"
#include "quant/blocks.h"
#include "quant/iq4_common.h"
#include "quant/kernels.h"
#include "quant/quant_input.h"
#include "quant/symmetric_search.h"

namespace hearth::quant::generic {

void dequantize_row_iq4_nl(const void* src, float* dst, int64_t n) {
  sym::check_whole_blocks("IQ4_NL", n, kQK);
  const auto* b = static_cast<const BlockIQ4_NL*>(src);
  for (int64_t i = 0; i < n / kQK; ++i)
    iq4::dequantize_32(b[i].qs, fp16_to_fp32(b[i].d), dst + i * kQK);
}

void quantize_row_iq4_nl(const float* src, void* dst, int64_t n, const float* imatrix) {
  sym::check_quantize_input("IQ4_NL", src, n, kQK, imatrix);
  auto* b = static_cast<BlockIQ4_NL*>(dst);
  for (int64_t i = 0; i < n / kQK; ++i) {
    const float* x = src + i * kQK;
    const float* w = sym::block_weights(imatrix, i * kQK);
    uint8_t q[kQK];
    const float s = sym::fit_block_scale(x, w, kQK, iq4::kLevels, iq4::kBlockSearch, q);
    const float d = sym::round_fp16(s);
    if (!std::isfinite(d)) sym::throw_scale_overflow(s);
    sym::assign_levels(x, w, kQK, iq4::kLevels, d, q);  // for the scale stored
    b[i].d = fp32_to_fp16(d);
    iq4::pack_32(q, b[i].qs);
  }
}

float vec_dot_iq4_nl_q8_0(int64_t n, const void* vx, const void* vy) {
  sym::check_whole_blocks("IQ4_NL dot", n, kQK);
  const auto* x = static_cast<const BlockIQ4_NL*>(vx);
  const auto* y = static_cast<const BlockQ8_0*>(vy);
  float sum = 0.0f;
  for (int64_t i = 0; i < n / kQK; ++i) {
    sum += fp16_to_fp32(x[i].d) * fp16_to_fp32(y[i].d) *
           static_cast<float>(iq4::dot_32(x[i].qs, y[i].qs));
  }
  return sum;
}

}  // namespace hearth::quant::generic
