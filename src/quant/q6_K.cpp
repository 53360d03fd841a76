// Q6_K: super-blocks of 256 = 16 sub-blocks of 16, x = d * scales[j] * (q - 32)
// with d fp16, scales int8 and q 6 bits (bit layout: quant/sym_layout.h).
#include <cstring>

#include "core/fp16.h"
#include "quant/blocks.h"
#include "quant/kernels.h"
#include "quant/quant_input.h"
#include "quant/sym_layout.h"
#include "quant/symmetric_search.h"

namespace hearth::quant::generic {

namespace {
constexpr int kSub = 16;  // elements per sub-block
constexpr sym::UniformLevels kLevels{-32, 31};
// Search widths, tuned on the tiny-llama token_embd (RMSE 0.93x the reference
// at ~9 M elements/s; wider fans gain < 0.5% and cost 2x the time). 6-bit
// levels: the best scale lies close to max-abs / 32, a narrow fan does; int8
// sub-scales are fine-grained, so the super-scale needs almost no search.
constexpr sym::SearchParams kSubSearch{4, 0.1f, 2};
constexpr sym::SearchParams kSuperSearch{1, 0.01f, 1};
}  // namespace

void dequantize_row_q6_K(const void* src, float* dst, int64_t n) {
  sym::check_whole_blocks("Q6_K", n, kQKK);
  const auto* b = static_cast<const BlockQ6_K*>(src);
  for (int64_t i = 0; i < n / kQKK; ++i, ++b, dst += kQKK) {
    int8_t v[kQKK];
    sym::q6_K_values(*b, v);
    const float d = fp16_to_fp32(b->d);
    for (int e = 0; e < kQKK; ++e) {
      dst[e] = d * static_cast<float>(b->scales[e / kSub]) * static_cast<float>(v[e]);
    }
  }
}

void quantize_row_q6_K(const float* src, void* dst, int64_t n, const float* imatrix) {
  sym::check_quantize_input("Q6_K", src, n, kQKK, imatrix);
  auto* b = static_cast<BlockQ6_K*>(dst);
  for (int64_t i = 0; i < n / kQKK; ++i, ++b) {
    int c[kQKK / kSub];
    uint8_t q[kQKK];
    const float d =
        sym::fit_super_block(src + i * kQKK, sym::block_weights(imatrix, i * kQKK), kQKK / kSub,
                             kSub, kLevels, kSubSearch, -128, 127, kSuperSearch, c, q);
    std::memset(b, 0, sizeof(*b));
    b->d = fp32_to_fp16(d);
    for (int j = 0; j < kQKK / kSub; ++j) b->scales[j] = static_cast<int8_t>(c[j]);
    for (int e = 0; e < kQKK; ++e) sym::q6_K_set_index(*b, e, q[e]);
  }
}

float vec_dot_q6_K_q8_K(int64_t n, const void* vx, const void* vy) {
  sym::check_whole_blocks("Q6_K dot", n, kQKK);
  return sym::dot_sym_K_q8_K(
      n, static_cast<const BlockQ6_K*>(vx), static_cast<const BlockQ8_K*>(vy),
      [](const BlockQ6_K& b, int8_t* v) { sym::q6_K_values(b, v); },
      [](const BlockQ6_K& b, int j) { return static_cast<int>(b.scales[j]); });
}

}  // namespace hearth::quant::generic
