// AVX2 gemm kernel of Q8_0 weights with Q8_0 activations (Q4_0 has its own
// shape: q4_0_avx2.cpp).
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

// One weight row times NT Q8_0 activation rows. Hot loop of prompt
// evaluation: per block the weights are unpacked once into a register, then
// each token costs one load, the signed int8 product (dot_i8_i8: its |x| half
// is shared by the tokens once inlined) and one FMA into its own accumulator.
// Each token keeps two accumulators, block b going to the (b % 2)-th, and
// ends with finish_row: the float steps of vec_dot (dot_row in
// x86/legacy_avx2.h), so every token's result equals vec_dot's bit for bit.
// Blocks go in pairs so the parity is known at compile time. The weights
// 2 KB ahead are requested as the loop goes, as in dot_row: with few tokens
// per row (batched decode) the tile is as short as a dot and, fed by the
// hardware prefetcher alone, waited on memory for 40 % of its time.
template <typename Block>
struct LegacyKernel {
  template <int NT>
  static void tile(int64_t n, const uint8_t* row, const uint8_t* const act[NT], float out[NT]) {
    const auto* x = reinterpret_cast<const Block*>(row);
    const BlockQ8_0* y[NT];
    activation_blocks<BlockQ8_0, NT>(act, y);
    __m256 acc[2][NT];
    for (int t = 0; t < NT; ++t) acc[0][t] = acc[1][t] = _mm256_setzero_ps();
    auto step = [&](int64_t b, __m256* acc_b) {
      const __m256i q = weight_quants(x[b]);
      for (int t = 0; t < NT; ++t) {
        acc_b[t] = fold_block(block_scale(x[b], y[t][b]), dot_i8_i8(q, load_i8x32(y[t][b].qs)), acc_b[t]);
      }
    };
    const int64_t nb = legacy::block_count(n);
    int64_t b = 0;
    for (; b + 2 <= nb; b += 2) {
      if (b % 8 == 0) prefetch_stream<8 * sizeof(Block)>(x + b);
      step(b, acc[0]);
      step(b + 1, acc[1]);
    }
    if (b < nb) step(b, acc[0]);
    for (int t = 0; t < NT; ++t) out[t] = finish_row(acc[0][t], acc[1][t], 0.0f);
  }
};

}  // namespace

void gemm_q8_0_q8_0(int64_t n, const void* w, uint64_t w_stride, int64_t n_rows, const void* a,
                    uint64_t a_stride, int64_t n_tok, float* y, int64_t ldy) {
  sym::check_whole_blocks("Q8_0 gemm", n, kQK);
  gemm_tiles<LegacyKernel<BlockQ8_0>>(n, w, w_stride, n_rows, a, a_stride, n_tok, y, ldy);
}

}  // namespace hearth::quant::avx2
