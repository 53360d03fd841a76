// AVX2 gemm kernels of the legacy formats with Q8_0 activations (Q4_0, Q8_0).
// Contract in quant/gemm.h, tiling in x86/gemm_avx2.h.
#include <immintrin.h>

#include "quant/blocks.h"
#include "quant/gemm.h"
#include "quant/legacy_common.h"
#include "quant/quant_input.h"
#include "quant/x86/gemm_avx2.h"
#include "quant/x86/legacy_avx2.h"

namespace hearth::quant::avx2 {

namespace {

// Signed quants of one weight block: Q4_0 codes minus 8, Q8_0 as stored.
inline __m256i weight_quants(const BlockQ4_0& x) {
  return _mm256_sub_epi8(unpack_nibbles(x.qs), _mm256_set1_epi8(8));
}
inline __m256i weight_quants(const BlockQ8_0& x) { return load_i8x32(x.qs); }

// One weight row times NT Q8_0 activation rows. Hot loop of prompt
// evaluation: per block the weights are unpacked once into a register, then
// each token costs one load, the signed int8 product (dot_i8_i8: its |x| half
// is shared by the tokens once inlined) and one FMA into its own accumulator.
template <typename Block>
struct LegacyKernel {
  template <int NT>
  static void tile(int64_t n, const uint8_t* row, const uint8_t* const act[NT], float out[NT]) {
    const auto* x = reinterpret_cast<const Block*>(row);
    const BlockQ8_0* y[NT];
    for (int t = 0; t < NT; ++t) y[t] = reinterpret_cast<const BlockQ8_0*>(act[t]);
    __m256 acc[NT];
    for (int t = 0; t < NT; ++t) acc[t] = _mm256_setzero_ps();
    for (int64_t b = 0; b < legacy::block_count(n); ++b) {
      const __m256i q = weight_quants(x[b]);
      const float dx = fp16_scalar(x[b].d);
      for (int t = 0; t < NT; ++t) {
        const __m256 d = _mm256_set1_ps(dx * fp16_scalar(y[t][b].d));
        acc[t] = _mm256_fmadd_ps(d, dot_i8_i8(q, load_i8x32(y[t][b].qs)), acc[t]);
      }
    }
    for (int t = 0; t < NT; ++t) out[t] = hsum(acc[t]);
  }
};

}  // namespace

void gemm_q4_0_q8_0(int64_t n, const void* w, uint64_t w_stride, int64_t n_rows, const void* a,
                    uint64_t a_stride, int64_t n_tok, float* y, int64_t ldy) {
  sym::check_whole_blocks("Q4_0 gemm", n, kQK);
  gemm_tiles<LegacyKernel<BlockQ4_0>>(n, w, w_stride, n_rows, a, a_stride, n_tok, y, ldy);
}

void gemm_q8_0_q8_0(int64_t n, const void* w, uint64_t w_stride, int64_t n_rows, const void* a,
                    uint64_t a_stride, int64_t n_tok, float* y, int64_t ldy) {
  sym::check_whole_blocks("Q8_0 gemm", n, kQK);
  gemm_tiles<LegacyKernel<BlockQ8_0>>(n, w, w_stride, n_rows, a, a_stride, n_tok, y, ldy);
}

}  // namespace hearth::quant::avx2
