// Q5_0: blocks of 32, x = d * (code - 16), code 5 bits: low nibble in qs,
// bit 4 in qh (see quant/blocks.h).
#include "quant/kernels.h"
#include "quant/legacy_common.h"

namespace hearth::quant::generic {

namespace {
constexpr int kOffset = 16;
void unpack(const BlockQ5_0& b, int8_t* q) { legacy::unpack_q5(b.qs, b.qh, kOffset, q); }
void pack(const uint8_t* code, BlockQ5_0& b) { legacy::pack_q5(code, b.qs, b.qh); }
}  // namespace

void dequantize_row_q5_0(const void* src, float* dst, int64_t n) {
  legacy::dequantize_row<BlockQ5_0>(src, dst, n, unpack);
}

void quantize_row_q5_0(const float* src, void* dst, int64_t n, const float* imatrix) {
  legacy::quantize_row_symmetric<BlockQ5_0>(src, dst, n, imatrix, kOffset, pack);
}

float vec_dot_q5_0_q8_0(int64_t n, const void* x, const void* y) {
  return legacy::vec_dot_row<BlockQ5_0, BlockQ8_0>(n, x, y, unpack);
}

}  // namespace hearth::quant::generic
