// Q5_1: blocks of 32, x = d * code + m, code 5 bits: low nibble in qs, bit 4
// in qh (see quant/blocks.h). Dotted with Q8_1 activations (s gives the
// m * sum(y) term).
#include "quant/kernels.h"
#include "quant/legacy_common.h"

namespace hearth::quant::generic {

namespace {
constexpr int kMaxCode = 31;
void unpack(const BlockQ5_1& b, int8_t* q) { legacy::unpack_q5(b.qs, b.qh, 0, q); }
void pack(const uint8_t* code, BlockQ5_1& b) { legacy::pack_q5(code, b.qs, b.qh); }
}  // namespace

void dequantize_row_q5_1(const void* src, float* dst, int64_t n) {
  legacy::dequantize_row<BlockQ5_1>(src, dst, n, unpack);
}

void quantize_row_q5_1(const float* src, void* dst, int64_t n, const float* imatrix) {
  legacy::quantize_row_asymmetric<BlockQ5_1>(src, dst, n, imatrix, kMaxCode, pack);
}

float vec_dot_q5_1_q8_1(int64_t n, const void* x, const void* y) {
  return legacy::vec_dot_row<BlockQ5_1, BlockQ8_1>(n, x, y, unpack);
}

}  // namespace hearth::quant::generic
