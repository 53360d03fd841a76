// IQ4_NL x Q8_0 dot, AVX2. Same result as generic::vec_dot_iq4_nl_q8_0 up to
// float summation order (each block's integer sum is exact).
#include <immintrin.h>

#include "quant/blocks.h"
#include "quant/kernels.h"
#include "quant/quant_input.h"
#include "quant/x86/avx2_common.h"
#include "quant/x86/iq4_avx2.h"
#include "quant/x86/legacy_avx2.h"

namespace hearth::quant::avx2 {

namespace {
// One block: a pshufb table lookup turns the nibbles into the signed levels,
// then the signed x signed int8 product of the legacy formats.
__m256 block_dot(const BlockIQ4_NL& x, const BlockQ8_0& y) {
  return dot_i8_i8(iq4::values_32(x.qs), load_i8x32(y.qs));
}
}  // namespace

// Hot decode kernel: the row loop of the legacy 32-element formats (two blocks
// per iteration, see x86/legacy_avx2.h) around the block above.
float vec_dot_iq4_nl_q8_0(int64_t n, const void* vx, const void* vy) {
  sym::check_whole_blocks("IQ4_NL dot", n, kQK);
  return dot_row<BlockIQ4_NL, BlockQ8_0, block_dot>(n, vx, vy);
}

}  // namespace hearth::quant::avx2
