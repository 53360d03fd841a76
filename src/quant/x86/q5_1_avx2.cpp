// AVX2 dot of Q5_1 weights with Q8_1 activations.
#include "quant/kernels.h"
#include "quant/x86/legacy_avx2.h"

namespace hearth::quant::avx2 {

namespace {
// codes 0..31 (nibble | bit4 << 4) are unsigned: straight into maddubs; the
// m * s term is added by dot_row.
__m256 block_dot(const BlockQ5_1& x, const BlockQ8_1& y) {
  const __m256i high = _mm256_and_si256(bits_to_bytes(x.qh), _mm256_set1_epi8(0x10));
  return dot_u8_i8(_mm256_or_si256(unpack_nibbles(x.qs), high), load_i8x32(y.qs));
}
}  // namespace

float vec_dot_q5_1_q8_1(int64_t n, const void* x, const void* y) {
  return dot_row<BlockQ5_1, BlockQ8_1, block_dot>(n, x, y);
}

}  // namespace hearth::quant::avx2
