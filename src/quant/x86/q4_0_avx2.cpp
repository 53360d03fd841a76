// AVX2 dot of Q4_0 weights with Q8_0 activations.
#include "quant/kernels.h"
#include "quant/x86/legacy_avx2.h"

namespace hearth::quant::avx2 {

namespace {
// q = code - 8 in -8..7: a signed x signed product.
__m256 block_dot(const BlockQ4_0& x, const BlockQ8_0& y) {
  const __m256i q = _mm256_sub_epi8(unpack_nibbles(x.qs), _mm256_set1_epi8(8));
  return dot_i8_i8(q, load_i8x32(y.qs));
}
}  // namespace

float vec_dot_q4_0_q8_0(int64_t n, const void* x, const void* y) {
  return dot_row<BlockQ4_0, BlockQ8_0, block_dot>(n, x, y);
}

}  // namespace hearth::quant::avx2
