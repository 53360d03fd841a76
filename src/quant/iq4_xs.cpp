// IQ4_XS: super-blocks of 256 = 8 sub-blocks of 32, x = d * c[j] *
// kIQ4NLValues[q] with d fp16, c 6-bit signed (stored + 32) and q a nibble
// (layout: quant/sym_layout.h).
#include <cstring>

#include "core/fp16.h"
#include "quant/blocks.h"
#include "quant/iq4_common.h"
#include "quant/kernels.h"
#include "quant/quant_input.h"
#include "quant/sym_layout.h"
#include "quant/symmetric_search.h"

namespace hearth::quant::generic {

namespace {
constexpr int kNSub = kQKK / kQK;  // 8 sub-blocks of 32
// Super-scale search width, tuned on the tiny-llama attn_k (wider fans gain
// < 0.2% RMSE at 2x the time).
constexpr sym::SearchParams kSuperSearch{1, 0.05f, 1};
}  // namespace

void dequantize_row_iq4_xs(const void* src, float* dst, int64_t n) {
  sym::check_whole_blocks("IQ4_XS", n, kQKK);
  const auto* b = static_cast<const BlockIQ4_XS*>(src);
  for (int64_t i = 0; i < n / kQKK; ++i, ++b) {
    const float d = fp16_to_fp32(b->d);
    for (int j = 0; j < kNSub; ++j, dst += kQK) {
      iq4::dequantize_32(b->qs + j * kQK / 2, d * static_cast<float>(sym::iq4_xs_scale(*b, j)),
                         dst);
    }
  }
}

void quantize_row_iq4_xs(const float* src, void* dst, int64_t n, const float* imatrix) {
  sym::check_quantize_input("IQ4_XS", src, n, kQKK, imatrix);
  auto* b = static_cast<BlockIQ4_XS*>(dst);
  for (int64_t i = 0; i < n / kQKK; ++i, ++b) {
    int c[kNSub];
    uint8_t q[kQKK];
    const float d =
        sym::fit_super_block(src + i * kQKK, sym::block_weights(imatrix, i * kQKK), kNSub, kQK,
                             iq4::kLevels, iq4::kBlockSearch, -32, 31, kSuperSearch, c, q);
    std::memset(b, 0, sizeof(*b));
    b->d = fp32_to_fp16(d);
    for (int j = 0; j < kNSub; ++j) {
      sym::iq4_xs_set_scale(*b, j, c[j]);
      iq4::pack_32(q + j * kQK, b->qs + j * kQK / 2);
    }
  }
}

float vec_dot_iq4_xs_q8_K(int64_t n, const void* vx, const void* vy) {
  sym::check_whole_blocks("IQ4_XS dot", n, kQKK);
  const auto* x = static_cast<const BlockIQ4_XS*>(vx);
  const auto* y = static_cast<const BlockQ8_K*>(vy);
  float sum = 0.0f;
  for (int64_t i = 0; i < n / kQKK; ++i) {
    int32_t sumi = 0;
    for (int j = 0; j < kNSub; ++j) {
      sumi += sym::iq4_xs_scale(x[i], j) * iq4::dot_32(x[i].qs + j * kQK / 2, y[i].qs + j * kQK);
    }
    sum += fp16_to_fp32(x[i].d) * y[i].d * static_cast<float>(sumi);
  }
  return sum;
}

}  // namespace hearth::quant::generic
