// Q6_K x Q8_K dot, AVX2. Same result as generic::vec_dot_q6_K_q8_K up to float
// summation order (the per-super-block integer sums are exact).
#include <immintrin.h>

#include "quant/blocks.h"
#include "quant/kernels.h"
#include "quant/quant_input.h"
#include "quant/x86/avx2_common.h"
#include "quant/x86/k_sym_avx2.h"

namespace hearth::quant::avx2 {

namespace {

// The 4 vectors of 32 6-bit indices of half h (layout: quant/sym_layout.h).
// Vector k takes its low nibbles from ql[32(k & 1)..] (low nibble for k < 2,
// high for k >= 2) and its two high bits from qh bits 2k..2k+1, moved to bits
// 4..5. 16-bit shifts leak bits between neighbouring bytes, but every leaked
// bit falls outside the mask applied after the shift.
inline void unpack_half(const uint8_t* ql, const uint8_t* qh, __m256i u[4]) {
  const __m256i m4 = _mm256_set1_epi8(0x0f);
  const __m256i m30 = _mm256_set1_epi8(0x30);
  const __m256i l0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ql));
  const __m256i l1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ql + 32));
  const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qh));
  u[0] = _mm256_or_si256(_mm256_and_si256(l0, m4), _mm256_and_si256(_mm256_slli_epi16(h, 4), m30));
  u[1] = _mm256_or_si256(_mm256_and_si256(l1, m4), _mm256_and_si256(_mm256_slli_epi16(h, 2), m30));
  u[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), m4), _mm256_and_si256(h, m30));
  u[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4),
                         _mm256_and_si256(_mm256_srli_epi16(h, 2), m30));
}

}  // namespace

// Hot decode kernel: per super-block everything stays in integer lanes (two
// halves of 4 maddubs + madd each, one madd for the -32 offset via bsums), and
// a single float FMA folds the super-block into the accumulator.
float vec_dot_q6_K_q8_K(int64_t n, const void* vx, const void* vy) {
  sym::check_whole_blocks("Q6_K dot", n, kQKK);
  const auto* x = static_cast<const BlockQ6_K*>(vx);
  const auto* y = static_cast<const BlockQ8_K*>(vy);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / kQKK; ++i) {
    __m256i u[4];
    unpack_half(x[i].ql, x[i].qh, u);
    __m256i sumi = ksym::half_dot(u, y[i].qs, x[i].scales);
    unpack_half(x[i].ql + 64, x[i].qh + 32, u);
    sumi = _mm256_add_epi32(sumi, ksym::half_dot(u, y[i].qs + 128, x[i].scales + 8));
    sumi = _mm256_sub_epi32(sumi, ksym::offset_term<5>(x[i].scales, y[i].bsums));
    const float d = fp16_scalar(x[i].d) * y[i].d;
    acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
  }
  return hsum(acc);
}

}  // namespace hearth::quant::avx2
