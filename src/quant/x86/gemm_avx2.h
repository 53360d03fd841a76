// The tiling loop shared by the AVX2 gemm kernels (contract in quant/gemm.h).
// Include only from *_avx2.cpp files.
//
// A kernel is a struct with
//   template <int NT> static void tile(int64_t n, const uint8_t* row,
//                                      const uint8_t* const act[NT], float out[NT]);
// computing the NT dots of one weight row with NT activation rows. gemm_tiles
// walks the rows, and for each row the tokens in tiles of kTokens (then one
// tile of the 1..kTokens-1 left over), so each weight block is decoded once
// per kTokens tokens while the row stays in L1.
#pragma once

#include <cstdint>

namespace hearth::quant::avx2 {

// Tokens per register tile: each token needs one int32 and one float
// accumulator next to the decoded weights, and AVX2 has 16 registers.
inline constexpr int kGemmTokens = 4;

template <typename Kernel, int NT>
inline void gemm_tile(int64_t n, const uint8_t* row, const uint8_t* a, uint64_t a_stride,
                      int64_t t0, float* y, int64_t ldy, int64_t r) {
  const uint8_t* act[NT];
  for (int i = 0; i < NT; ++i) act[i] = a + static_cast<uint64_t>(t0 + i) * a_stride;
  float out[NT];
  Kernel::template tile<NT>(n, row, act, out);
  for (int i = 0; i < NT; ++i) y[(t0 + i) * ldy + r] = out[i];
}

template <typename Kernel>
void gemm_tiles(int64_t n, const void* w, uint64_t w_stride, int64_t n_rows, const void* a,
                uint64_t a_stride, int64_t n_tok, float* y, int64_t ldy) {
  const auto* wb = static_cast<const uint8_t*>(w);
  const auto* ab = static_cast<const uint8_t*>(a);
  for (int64_t r = 0; r < n_rows; ++r) {
    const uint8_t* row = wb + static_cast<uint64_t>(r) * w_stride;
    int64_t t = 0;
    for (; t + kGemmTokens <= n_tok; t += kGemmTokens) {
      gemm_tile<Kernel, kGemmTokens>(n, row, ab, a_stride, t, y, ldy, r);
    }
    switch (n_tok - t) {
      case 3: gemm_tile<Kernel, 3>(n, row, ab, a_stride, t, y, ldy, r); break;
      case 2: gemm_tile<Kernel, 2>(n, row, ab, a_stride, t, y, ldy, r); break;
      case 1: gemm_tile<Kernel, 1>(n, row, ab, a_stride, t, y, ldy, r); break;
      default: break;
    }
  }
}

}  // namespace hearth::quant::avx2
