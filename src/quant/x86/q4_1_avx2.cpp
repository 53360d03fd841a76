// AVX2 dot of Q4_1 weights with Q8_1 activations.
#include "quant/kernels.h"
#include "quant/x86/legacy_avx2.h"

namespace hearth::quant::avx2 {

namespace {
// codes 0..15 are unsigned: straight into maddubs; the m * s term is added by dot_row.
__m256 block_dot(const BlockQ4_1& x, const BlockQ8_1& y) {
  return dot_u8_i8(unpack_nibbles(x.qs), load_i8x32(y.qs));
}
}  // namespace

float vec_dot_q4_1_q8_1(int64_t n, const void* x, const void* y) {
  return dot_row<BlockQ4_1, BlockQ8_1, block_dot>(n, x, y);
}

}  // namespace hearth::quant::avx2
