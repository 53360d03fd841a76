// Q3_K x Q8_K dot, AVX2. Same result as generic::vec_dot_q3_K_q8_K up to float
// summation order (the per-super-block integer sums are exact).
#include <immintrin.h>

#include <cstring>

#include "quant/blocks.h"
#include "quant/kernels.h"
#include "quant/quant_input.h"
#include "quant/x86/avx2_common.h"
#include "quant/x86/k_sym_avx2.h"

namespace hearth::quant::avx2 {

namespace {

// The 16 signed sub-block scales (stored value - 32) as int8, branch-free
// (layout: sym::q3_K_scale). Low nibbles: bytes 0..7 give scales 0..7 (low
// halves) and 8..15 (high halves). High two bits: byte 8 + j % 4, shifted
// right by 2 (j / 4), i.e. a per-32-bit-group shift of 0, 2, 4, 6.
inline __m128i unpack_scales(const uint8_t* packed) {
  uint64_t lo_bytes;
  uint32_t hi_bytes;
  std::memcpy(&lo_bytes, packed, 8);
  std::memcpy(&hi_bytes, packed + 8, 4);
  const __m128i m4 = _mm_set1_epi8(0x0f);
  const __m128i b = _mm_cvtsi64_si128(static_cast<int64_t>(lo_bytes));
  const __m128i nib =
      _mm_unpacklo_epi64(_mm_and_si128(b, m4), _mm_and_si128(_mm_srli_epi16(b, 4), m4));
  const __m128i h =
      _mm_srlv_epi32(_mm_set1_epi32(static_cast<int>(hi_bytes)), _mm_setr_epi32(0, 2, 4, 6));
  const __m128i hi2 = _mm_slli_epi16(_mm_and_si128(h, _mm_set1_epi8(3)), 4);
  return _mm_sub_epi8(_mm_or_si128(nib, hi2), _mm_set1_epi8(32));
}

// The 4 vectors of 32 3-bit indices of half h (layout: quant/sym_layout.h):
// vector j has its low two bits in qs bits 2j..2j+1 and its third bit in hmask
// bit 4h + j; the third bit becomes 4 through a byte compare.
inline void unpack_half(const uint8_t* qs, __m256i hmask, int h, __m256i u[4]) {
  const __m256i m3 = _mm256_set1_epi8(3);
  const __m256i four = _mm256_set1_epi8(4);
  __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qs));
  __m256i bit = _mm256_set1_epi8(static_cast<char>(1 << (4 * h)));
  for (int j = 0; j < 4; ++j) {
    const __m256i high =
        _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(hmask, bit), bit), four);
    u[j] = _mm256_or_si256(_mm256_and_si256(q, m3), high);
    q = _mm256_srli_epi16(q, 2);
    bit = _mm256_add_epi8(bit, bit);
  }
}

}  // namespace

// Hot decode kernel: shaped like the Q6_K one (see x86/k_sym_avx2.h); the
// scales are unpacked once per super-block into 16 int8 in a register.
float vec_dot_q3_K_q8_K(int64_t n, const void* vx, const void* vy) {
  sym::check_whole_blocks("Q3_K dot", n, kQKK);
  const auto* x = static_cast<const BlockQ3_K*>(vx);
  const auto* y = static_cast<const BlockQ8_K*>(vy);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / kQKK; ++i) {
    alignas(16) int8_t scales[16];
    _mm_store_si128(reinterpret_cast<__m128i*>(scales), unpack_scales(x[i].scales));
    const __m256i hmask = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[i].hmask));
    __m256i u[4];
    unpack_half(x[i].qs, hmask, 0, u);
    __m256i sumi = ksym::half_dot(u, y[i].qs, scales);
    unpack_half(x[i].qs + 32, hmask, 1, u);
    sumi = _mm256_add_epi32(sumi, ksym::half_dot(u, y[i].qs + 128, scales + 8));
    sumi = _mm256_sub_epi32(sumi, ksym::offset_term<2>(scales, y[i].bsums));
    acc = ksym::fold_superblock(acc, fp16_scalar(x[i].d) * y[i].d, sumi);
  }
  return hsum(acc);
}

}  // namespace hearth::quant::avx2
