// AVX2 gemm kernels of the K formats with Q8_K activations (Q4_K, Q6_K).
// Contract in quant/gemm.h, tiling in x86/gemm_avx2.h. Each super-block step
// requests the weights 2 KB ahead (prefetch_stream), as the dot kernels do:
// batched decode runs tiles of a few tokens, short enough to be bound by
// memory latency without it; the per-block integer
// arithmetic is the dot kernels' (x86/k_asym_avx2.h, x86/k_sym_avx2.h), so a
// tile's integer sums equal vec_dot's exactly, and the float steps are shared
// with them too (fold_superblock), so the results are vec_dot's bit for bit.
#include <immintrin.h>

#include "quant/blocks.h"
#include "quant/gemm.h"
#include "quant/k_asym.h"
#include "quant/quant_input.h"
#include "quant/x86/avx2_common.h"
#include "quant/x86/gemm_avx2.h"
#include "quant/x86/k_asym_avx2.h"
#include "quant/x86/k_sym_avx2.h"

namespace hearth::quant::avx2 {

namespace {

// Q4_K row times NT Q8_K rows. Per super-block the scales/mins are unpacked
// once and each 64-element chunk's nibbles are split once; every token then
// costs two maddubs + madd (scale applied in the madd) into its own int32
// sum. The min term (dmin * sum m_j * bsums) costs one madd per token. The
// float step is vec_dot's (ksimd::fold_superblock), so every token's result
// equals vec_dot_q4_K_q8_K's bit for bit.
struct Q4KKernel {
  template <int NT>
  static void tile(int64_t n, const uint8_t* row, const uint8_t* const act[NT], float out[NT]) {
    const auto* x = reinterpret_cast<const BlockQ4_K*>(row);
    const BlockQ8_K* y[NT];
    activation_blocks<BlockQ8_K, NT>(act, y);
    const __m256i low4 = _mm256_set1_epi8(0x0f);
    __m256 acc[NT];
    for (int t = 0; t < NT; ++t) acc[t] = _mm256_setzero_ps();
    for (int64_t b = 0; b < n / kQKK; ++b) {
      prefetch_stream<sizeof(BlockQ4_K)>(x + b);
      uint8_t sc[8], m[8];
      kasym::unpack_scales_mins_6bit(x[b].scales, sc, m);
      const __m256i mins16 = ksimd::mins_per_bsum(m);
      __m256i sumi[NT];
      for (int t = 0; t < NT; ++t) sumi[t] = _mm256_setzero_si256();
      // Not unrolled: unrolled, the compiler hoists all 32 products of the
      // block ahead of their sums and spills them; one chunk at a time keeps
      // the NT sums, the nibbles and the scales in registers.
#pragma GCC unroll 1
      for (int c = 0; c < 4; ++c) {
        const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[b].qs + 32 * c));
        const __m256i lo = _mm256_and_si256(q, low4);
        const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), low4);
        const __m256i s_lo = _mm256_set1_epi16(sc[2 * c]);
        const __m256i s_hi = _mm256_set1_epi16(sc[2 * c + 1]);
        for (int t = 0; t < NT; ++t) {
          const __m256i p_lo = ksimd::scaled_dot32(lo, ksimd::load_q8(y[t][b], 64 * c), s_lo);
          const __m256i p_hi = ksimd::scaled_dot32(hi, ksimd::load_q8(y[t][b], 64 * c + 32), s_hi);
          sumi[t] = _mm256_add_epi32(sumi[t], _mm256_add_epi32(p_lo, p_hi));
        }
      }
      const __m128 dm = ksimd::d_dmin(x[b]);
      for (int t = 0; t < NT; ++t) {
        acc[t] = ksimd::fold_superblock(acc[t], dm, y[t][b].d, sumi[t],
                                        ksimd::min_sums_32(mins16, y[t][b]));
      }
    }
    for (int t = 0; t < NT; ++t) out[t] = hsum(acc[t]);
  }
};

// Q6_K row times NT Q8_K rows: each half super-block is unpacked once into
// four registers and reused by every token (ksym::half_dot applies the
// sub-block scales); the -32 offset is one madd against the token's bsums.
// The integer sums are exact and the float step is vec_dot's
// (ksym::fold_superblock, then hsum), so every token's result equals
// vec_dot_q6_K_q8_K's bit for bit.
struct Q6KKernel {
  template <int NT>
  static void tile(int64_t n, const uint8_t* row, const uint8_t* const act[NT], float out[NT]) {
    const auto* x = reinterpret_cast<const BlockQ6_K*>(row);
    const BlockQ8_K* y[NT];
    activation_blocks<BlockQ8_K, NT>(act, y);
    __m256 acc[NT];
    for (int t = 0; t < NT; ++t) acc[t] = _mm256_setzero_ps();
    for (int64_t b = 0; b < n / kQKK; ++b) {
      prefetch_stream<sizeof(BlockQ6_K)>(x + b);
      __m256i sumi[NT];
      for (int t = 0; t < NT; ++t) {
        sumi[t] = _mm256_sub_epi32(_mm256_setzero_si256(),
                                   ksym::offset_term<5>(x[b].scales, y[t][b].bsums));
      }
      for (int half = 0; half < 2; ++half) {
        __m256i u[4];
        ksym::unpack_q6_half(x[b].ql + 64 * half, x[b].qh + 32 * half, u);
        for (int t = 0; t < NT; ++t) {
          sumi[t] = _mm256_add_epi32(
              sumi[t], ksym::half_dot(u, y[t][b].qs + 128 * half, x[b].scales + 8 * half));
        }
      }
      const float d = fp16_scalar(x[b].d);
      for (int t = 0; t < NT; ++t) {
        acc[t] = ksym::fold_superblock(acc[t], d * y[t][b].d, sumi[t]);
      }
    }
    for (int t = 0; t < NT; ++t) out[t] = hsum(acc[t]);
  }
};

}  // namespace

void gemm_q4_K_q8_K(int64_t n, const void* w, uint64_t w_stride, int64_t n_rows, const void* a,
                    uint64_t a_stride, int64_t n_tok, float* y, int64_t ldy) {
  sym::check_whole_blocks("Q4_K gemm", n, kQKK);
  gemm_tiles<Q4KKernel>(n, w, w_stride, n_rows, a, a_stride, n_tok, y, ldy);
}

void gemm_q6_K_q8_K(int64_t n, const void* w, uint64_t w_stride, int64_t n_rows, const void* a,
                    uint64_t a_stride, int64_t n_tok, float* y, int64_t ldy) {
  sym::check_whole_blocks("Q6_K gemm", n, kQKK);
  gemm_tiles<Q6KKernel>(n, w, w_stride, n_rows, a, a_stride, n_tok, y, ldy);
}

}  // namespace hearth::quant::avx2
