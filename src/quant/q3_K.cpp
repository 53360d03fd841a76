// Q3_K: super-blocks of 256 = 16 sub-blocks of 16, x = d * c[j] * (q - 4) with
// d fp16, c 6-bit signed (stored + 32) and q 3 bits (bit layout:
// quant/sym_layout.h).
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
constexpr sym::UniformLevels kLevels{-4, 3};
// Search widths, tuned on the tiny-llama tensors (RMSE 0.95x the reference
// at ~9 M elements/s; wider fans gain < 0.1% and cost 2-3x the time). Eight
// levels: clipping the largest value can pay, so the block fan is wide.
constexpr sym::SearchParams kSubSearch{4, 0.3f, 2};
constexpr sym::SearchParams kSuperSearch{1, 0.05f, 1};
}  // namespace

void dequantize_row_q3_K(const void* src, float* dst, int64_t n) {
  sym::check_whole_blocks("Q3_K", n, kQKK);
  const auto* b = static_cast<const BlockQ3_K*>(src);
  for (int64_t i = 0; i < n / kQKK; ++i, ++b, dst += kQKK) {
    int8_t v[kQKK];
    sym::q3_K_values(*b, v);
    const float d = fp16_to_fp32(b->d);
    for (int j = 0; j < kQKK / kSub; ++j) {
      const float dl = d * static_cast<float>(sym::q3_K_scale(b->scales, j));
      for (int e = j * kSub; e < (j + 1) * kSub; ++e) dst[e] = dl * static_cast<float>(v[e]);
    }
  }
}

void quantize_row_q3_K(const float* src, void* dst, int64_t n, const float* imatrix) {
  sym::check_quantize_input("Q3_K", src, n, kQKK, imatrix);
  auto* b = static_cast<BlockQ3_K*>(dst);
  for (int64_t i = 0; i < n / kQKK; ++i, ++b) {
    int c[kQKK / kSub];
    uint8_t q[kQKK];
    const float d =
        sym::fit_super_block(src + i * kQKK, sym::block_weights(imatrix, i * kQKK), kQKK / kSub,
                             kSub, kLevels, kSubSearch, -32, 31, kSuperSearch, c, q);
    std::memset(b, 0, sizeof(*b));
    b->d = fp32_to_fp16(d);
    for (int j = 0; j < kQKK / kSub; ++j) sym::q3_K_set_scale(b->scales, j, c[j]);
    for (int e = 0; e < kQKK; ++e) sym::q3_K_set_index(*b, e, q[e]);
  }
}

float vec_dot_q3_K_q8_K(int64_t n, const void* vx, const void* vy) {
  sym::check_whole_blocks("Q3_K dot", n, kQKK);
  return sym::dot_sym_K_q8_K(
      n, static_cast<const BlockQ3_K*>(vx), static_cast<const BlockQ8_K*>(vy),
      [](const BlockQ3_K& b, int8_t* v) { sym::q3_K_values(b, v); },
      [](const BlockQ3_K& b, int j) { return static_cast<int>(sym::q3_K_scale(b.scales, j)); });
}

}  // namespace hearth::quant::generic
