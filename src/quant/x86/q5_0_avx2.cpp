// AVX2 dot of Q5_0 weights with Q8_0 activations.
#include "quant/kernels.h"
#include "quant/x86/legacy_avx2.h"

namespace hearth::quant::avx2 {

namespace {
// q = code - 16 = low nibble - 16 * (1 - bit4). As an int8 that is the nibble
// with 0xf0 or-ed in where bit 4 is clear: one andnot + or, no subtraction.
__m256i signed_q5(const BlockQ5_0& x) {
  const __m256i high_clear =
      _mm256_andnot_si256(bits_to_bytes(x.qh), _mm256_set1_epi8(static_cast<char>(0xf0)));
  return _mm256_or_si256(unpack_nibbles(x.qs), high_clear);
}

__m256 block_dot(const BlockQ5_0& x, const BlockQ8_0& y) {
  return dot_i8_i8(signed_q5(x), load_i8x32(y.qs));
}
}  // namespace

float vec_dot_q5_0_q8_0(int64_t n, const void* x, const void* y) {
  return dot_row<BlockQ5_0, BlockQ8_0, block_dot>(n, x, y);
}

}  // namespace hearth::quant::avx2
