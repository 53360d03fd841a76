// AVX2 dot of Q8_0 weights with Q8_0 activations.
#include "quant/kernels.h"
#include "quant/x86/legacy_avx2.h"

namespace hearth::quant::avx2 {

namespace {
// Weights may hold -128 (any file can); activations are -127..127 by
// construction (generic::quantize_row_q8_0), which is what dot_i8_i8 needs.
__m256 block_dot(const BlockQ8_0& x, const BlockQ8_0& y) {
  return dot_i8_i8(load_i8x32(x.qs), load_i8x32(y.qs));
}
}  // namespace

float vec_dot_q8_0_q8_0(int64_t n, const void* x, const void* y) {
  return dot_row<BlockQ8_0, BlockQ8_0, block_dot>(n, x, y);
}

}  // namespace hearth::quant::avx2
