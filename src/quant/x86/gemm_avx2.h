// The tiling loop shared by the AVX2 gemm kernels (contract in quant/gemm.h).
// Include only from *_avx2.cpp and *_avx512.cpp files.
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

#include "quant/gemm.h"

namespace hearth::quant::avx2 {

// A tile's NT activation rows as arrays of their block type.
template <typename Block, int NT>
inline void activation_blocks(const uint8_t* const act[NT], const Block* y[NT]) {
  for (int t = 0; t < NT; ++t) y[t] = reinterpret_cast<const Block*>(act[t]);
}

template <typename Kernel, int NT>
inline void gemm_tile(int64_t n, const uint8_t* row, const uint8_t* a, uint64_t a_stride,
                      int64_t t0, float* y, int64_t ldy, int64_t r) {
  const uint8_t* act[NT];
  for (int i = 0; i < NT; ++i) act[i] = a + static_cast<uint64_t>(t0 + i) * a_stride;
  float out[NT];
  Kernel::template tile<NT>(n, row, act, out);
  for (int i = 0; i < NT; ++i) y[(t0 + i) * ldy + r] = out[i];
}

// The last n_tok (< NT) tokens of a row, as one tile of exactly n_tok.
template <typename Kernel, int NT>
inline void gemm_rest(int64_t n, const uint8_t* row, const uint8_t* a, uint64_t a_stride, int64_t t0,
                      int64_t n_tok, float* y, int64_t ldy, int64_t r) {
  if constexpr (NT > 1) {
    if (n_tok == NT - 1) {
      gemm_tile<Kernel, NT - 1>(n, row, a, a_stride, t0, y, ldy, r);
    } else {
      gemm_rest<Kernel, NT - 1>(n, row, a, a_stride, t0, n_tok, y, ldy, r);
    }
  }
}

// kTokens: the register tile (an AVX-512 kernel with 32 registers takes more).
template <typename Kernel, int kTokens = kGemmTokens>
void gemm_tiles(int64_t n, const void* w, uint64_t w_stride, int64_t n_rows, const void* a,
                uint64_t a_stride, int64_t n_tok, float* y, int64_t ldy) {
  const auto* wb = static_cast<const uint8_t*>(w);
  const auto* ab = static_cast<const uint8_t*>(a);
  for (int64_t r = 0; r < n_rows; ++r) {
    const uint8_t* row = wb + static_cast<uint64_t>(r) * w_stride;
    int64_t t = 0;
    for (; t + kTokens <= n_tok; t += kTokens) {
      gemm_tile<Kernel, kTokens>(n, row, ab, a_stride, t, y, ldy, r);
    }
    if (t < n_tok) gemm_rest<Kernel, kTokens>(n, row, ab, a_stride, t, n_tok - t, y, ldy, r);
  }
}

// A kernel's one-token tile as a dot (vec_dot), for kernels whose dot is
// their gemm's step: the two then return the same bits by construction.
template <typename Kernel>
inline float dot_as_tile(int64_t n, const void* x, const void* y) {
  const uint8_t* const act[1] = {static_cast<const uint8_t*>(y)};
  float out[1];
  Kernel::template tile<1>(n, static_cast<const uint8_t*>(x), act, out);
  return out[0];
}

}  // namespace hearth::quant::avx2
