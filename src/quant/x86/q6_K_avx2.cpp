// Q6_K x Q8_K dot, AVX2. Same result as generic::vec_dot_q6_K_q8_K up to float
// summation order (the per-super-block integer sums are exact), and bit for
// bit the AVX2 gemm's (ksym::fold_superblock).
#include <immintrin.h>

#include "quant/blocks.h"
#include "quant/kernels.h"
#include "quant/quant_input.h"
#include "quant/x86/avx2_common.h"
#include "quant/x86/k_sym_avx2.h"

namespace hearth::quant::avx2 {

// Hot decode kernel: per super-block everything stays in integer lanes (two
// halves of 4 maddubs + madd each, one madd for the -32 offset via bsums), and
// a single float FMA folds the super-block into the accumulator; the weights
// 2 KB ahead are requested as it goes (prefetch_stream).
float vec_dot_q6_K_q8_K(int64_t n, const void* vx, const void* vy) {
  sym::check_whole_blocks("Q6_K dot", n, kQKK);
  const auto* x = static_cast<const BlockQ6_K*>(vx);
  const auto* y = static_cast<const BlockQ8_K*>(vy);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / kQKK; ++i) {
    prefetch_stream<sizeof(BlockQ6_K)>(x + i);
    __m256i u[4];
    ksym::unpack_q6_half(x[i].ql, x[i].qh, u);
    __m256i sumi = ksym::half_dot(u, y[i].qs, x[i].scales);
    ksym::unpack_q6_half(x[i].ql + 64, x[i].qh + 32, u);
    sumi = _mm256_add_epi32(sumi, ksym::half_dot(u, y[i].qs + 128, x[i].scales + 8));
    sumi = _mm256_sub_epi32(sumi, ksym::offset_term<5>(x[i].scales, y[i].bsums));
    acc = ksym::fold_superblock(acc, fp16_scalar(x[i].d) * y[i].d, sumi);
  }
  return hsum(acc);
}

}  // namespace hearth::quant::avx2
