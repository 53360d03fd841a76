// Q8_0 (weights and activations): blocks of 32, x = d * q, q int8.
// Q8_1 (activations of Q4_1 / Q5_1): Q8_0 plus s = d * sum(q) as fp16.
//
// Both quantize by plain rounding with d = max|x| / 127, so q stays in
// -127..127: the AVX2 dots rely on it (|q_y| <= 127 keeps maddubs from
// saturating). The imatrix is ignored: at 8 bits the rounding error is
// already uniform and tiny next to the fp16 scale's, and this is also the
// per-token activation quantizer, which must stay a single cheap pass.
#include <cstring>

#include "quant/abs_max.h"
#include "quant/kernels.h"
#include "quant/legacy_common.h"

namespace hearth::quant::generic {

namespace {

// One block: returns the fp16 bits of d and writes q. Quantizes with the
// stored (fp16-rounded) d so that d * q is the closest representable value.
// A block of zeros gives d = 0, q = 0. Shaped as flat loops over 32 floats
// (max, scale, round) so the compiler can vectorise this hot path.
uint16_t quantize_block_q8(const float* x, int8_t* q) {
  const float amax = abs_max(x, kQK);
  const uint16_t d16 = legacy::saturating_fp16(amax / 127.0f);
  const float d = fp16_to_fp32(d16);
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  for (int j = 0; j < kQK; ++j) {
    q[j] = static_cast<int8_t>(legacy::round_nearest(legacy::clamp(x[j] * id, -127.0f, 127.0f)));
  }
  return d16;
}

void unpack_q8(const BlockQ8_0& b, int8_t* q) { std::memcpy(q, b.qs, kQK); }
void unpack_q8_1(const BlockQ8_1& b, int8_t* q) { std::memcpy(q, b.qs, kQK); }

}  // namespace

void dequantize_row_q8_0(const void* src, float* dst, int64_t n) {
  legacy::dequantize_row<BlockQ8_0>(src, dst, n, unpack_q8);
}

void quantize_row_q8_0(const float* src, void* dst, int64_t n, const float* /*imatrix*/) {
  auto* y = static_cast<BlockQ8_0*>(dst);
  for (int64_t b = 0; b < legacy::block_count(n); ++b) {
    y[b].d = quantize_block_q8(src + b * kQK, y[b].qs);
  }
}

float vec_dot_q8_0_q8_0(int64_t n, const void* x, const void* y) {
  return legacy::vec_dot_row<BlockQ8_0, BlockQ8_0>(n, x, y, unpack_q8);
}

void dequantize_row_q8_1(const void* src, float* dst, int64_t n) {
  legacy::dequantize_row<BlockQ8_1>(src, dst, n, unpack_q8_1);
}

void quantize_row_q8_1(const float* src, void* dst, int64_t n, const float* /*imatrix*/) {
  auto* y = static_cast<BlockQ8_1*>(dst);
  for (int64_t b = 0; b < legacy::block_count(n); ++b) {
    y[b].d = quantize_block_q8(src + b * kQK, y[b].qs);
    int32_t sum = 0;
    for (int j = 0; j < kQK; ++j) sum += y[b].qs[j];
    // s is the exact sum of the dequantized values, rounded once to fp16
    // (saturating, like d: a block summing beyond 65504 is clipped, not inf)
    y[b].s = legacy::saturating_fp16(fp16_to_fp32(y[b].d) * static_cast<float>(sum));
  }
}

}  // namespace hearth::quant::generic
