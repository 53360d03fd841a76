// Q4_0: blocks of 32, x = d * (code - 8), code 4 bits (see quant/blocks.h).
#include "quant/kernels.h"
#include "quant/legacy_common.h"

namespace hearth::quant::generic {

namespace {
constexpr int kOffset = 8;
void unpack(const BlockQ4_0& b, int8_t* q) { legacy::unpack_nibbles(b.qs, kOffset, q); }
void pack(const uint8_t* code, BlockQ4_0& b) { legacy::pack_nibbles(code, b.qs); }
}  // namespace

void dequantize_row_q4_0(const void* src, float* dst, int64_t n) {
  legacy::dequantize_row<BlockQ4_0>(src, dst, n, unpack);
}

void quantize_row_q4_0(const float* src, void* dst, int64_t n, const float* imatrix) {
  legacy::quantize_row_symmetric<BlockQ4_0>(src, dst, n, imatrix, kOffset, pack);
}

float vec_dot_q4_0_q8_0(int64_t n, const void* x, const void* y) {
  return legacy::vec_dot_row<BlockQ4_0, BlockQ8_0>(n, x, y, unpack);
}

}  // namespace hearth::quant::generic
