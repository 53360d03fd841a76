// Q8_K: the activation type of the K and IQ dot kernels.
// One block of 256: x = d * qs[i], qs in -127..127, d = max|x| / 127 (float),
// bsums[k] = sum of qs[16k .. 16k+15] so a weight format's per-sub-block
// offset term is one multiply per 16 elements.
// Q8_K only lives in memory (activations quantized just before a dot), never
// in files, so its exact rounding is ours to choose: d is kept positive and
// the quants symmetric, and dequantize_row_q8_K is x = d * qs with that d.
// (The reference implementation instead maps the signed extreme element to
// -127, d = extreme / -127; both represent x to within half a step.)
#include <bit>
#include <cstring>

#include "quant/abs_max.h"
#include "quant/blocks.h"
#include "quant/kernels.h"
#include "quant/quant_input.h"

namespace hearth::quant::generic {

namespace {

// Nearest integer (halves to even) clamped to -127..127. Hot: every
// activation row of every K-quant matmul goes through it, so it is written to
// vectorise: adding 1.5 * 2^23 leaves round(v) in the low mantissa bits (valid
// for |v| < 2^22; here |v| <= 127 by construction), read back with a bit_cast,
// so no libm call and no float->int conversion that a NaN would make
// undefined (a NaN just lands somewhere in -127..127).
inline int round_clamped(float v) {
  constexpr float kMagic = 12582912.0f;  // 1.5 * 2^23
  const int r = std::bit_cast<int32_t>(v + kMagic) - std::bit_cast<int32_t>(kMagic);
  return r < -127 ? -127 : (r > 127 ? 127 : r);
}

void quantize_block_q8_K(const float* x, BlockQ8_K* b) {
  const float amax = abs_max(x, kQKK);
  b->d = amax / 127.0f;
  const float inv = amax > 0 ? 127.0f / amax : 0.0f;
  // Through a local array: int8 stores may alias x, which would stop the
  // compiler from vectorising a loop that writes b->qs directly.
  int8_t q[kQKK];
  for (int i = 0; i < kQKK; ++i) q[i] = static_cast<int8_t>(round_clamped(x[i] * inv));
  std::memcpy(b->qs, q, sizeof(q));
  for (int k = 0; k < kQKK / 16; ++k) {
    int sum = 0;
    for (int i = 0; i < 16; ++i) sum += b->qs[16 * k + i];
    b->bsums[k] = static_cast<int16_t>(sum);
  }
}

}  // namespace

void quantize_row_q8_K(const float* src, void* dst, int64_t n, const float* /*imatrix*/) {
  sym::check_whole_blocks("q8_K", n, kQKK);
  auto* blocks = static_cast<BlockQ8_K*>(dst);
  for (int64_t b = 0; b < n / kQKK; ++b) quantize_block_q8_K(src + b * kQKK, blocks + b);
}

void dequantize_row_q8_K(const void* src, float* dst, int64_t n) {
  sym::check_whole_blocks("q8_K", n, kQKK);
  const auto* blocks = static_cast<const BlockQ8_K*>(src);
  for (int64_t b = 0; b < n / kQKK; ++b) {
    for (int i = 0; i < kQKK; ++i) dst[b * kQKK + i] = blocks[b].d * blocks[b].qs[i];
  }
}

}  // namespace hearth::quant::generic
