// Q4_1: blocks of 32, x = d * code + m, code 4 bits (see quant/blocks.h).
// Dotted with Q8_1 activations, whose stored s = d_y * sum(q_y) gives the
// m * sum(y) term without touching the activation quants.
#include "quant/kernels.h"
#include "quant/legacy_common.h"

namespace hearth::quant::generic {

namespace {
constexpr int kMaxCode = 15;
void unpack(const BlockQ4_1& b, int8_t* q) { legacy::unpack_nibbles(b.qs, 0, q); }
void pack(const uint8_t* code, BlockQ4_1& b) { legacy::pack_nibbles(code, b.qs); }
}  // namespace

void dequantize_row_q4_1(const void* src, float* dst, int64_t n) {
  legacy::dequantize_row<BlockQ4_1>(src, dst, n, unpack);
}

void quantize_row_q4_1(const float* src, void* dst, int64_t n, const float* imatrix) {
  legacy::quantize_row_asymmetric<BlockQ4_1>(src, dst, n, imatrix, kMaxCode, pack);
}

float vec_dot_q4_1_q8_1(int64_t n, const void* x, const void* y) {
  return legacy::vec_dot_row<BlockQ4_1, BlockQ8_1>(n, x, y, unpack);
}

}  // namespace hearth::quant::generic
