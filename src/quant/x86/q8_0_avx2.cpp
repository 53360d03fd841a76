// AVX2 dot of Q8_0 weights with Q8_0 activations.
#include "quant/kernels.h"
#include "quant/x86/legacy_avx2.h"

namespace hearth::quant::avx2 {

namespace {
// Signed weights times signed activations (weight_quants, shared with the gemm).
__m256 block_dot(const BlockQ8_0& x, const BlockQ8_0& y) {
  return dot_i8_i8(weight_quants(x), load_i8x32(y.qs));
}
}  // namespace

float vec_dot_q8_0_q8_0(int64_t n, const void* x, const void* y) {
  return dot_row<BlockQ8_0, BlockQ8_0, block_dot>(n, x, y);
}

}  // namespace hearth::quant::avx2
