// The drivers of the x86 band kernels (quant/interleave.h) over bands and
// token tiles, for any vector policy V (x86/bands_avx2.h: Ymm, one band per
// vector; x86/bands_avx512.cpp: two bands per vector). A kernel family K
// (x86/legacy_bands_simd.h, q4_K_bands_simd.h, q6_K_bands_simd.h) gives
//   K::V                       its policy,
//   K::band_bytes(n)           the bytes of a band of n-element rows,
//   K::tiles(n, band, stride, a, a_stride, n_tok, y, ldy, y_stride)
//                              V::kBands bands (`stride` bytes apart; their
//                              outputs y_stride floats apart) times n_tok
//                              activation rows,
//   K::tile<NT, G>(n, band, stride, a, a_stride, t0, y, ldy, y_stride)
//                              G groups of those (group g's first band at
//                              band + g V::kBands stride, its outputs at
//                              y + g V::kBands y_stride) times the NT
//                              activation rows from t0: one register tile.
//
// Everything in these headers is a template on the policy: the AVX-512 file
// includes them inside its AVX-512 region and instantiates them with its own
// policy only, so no function is compiled for two targets under one name
// (cmake/hearth.cmake says why that matters).
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "quant/bands.h"
#include "quant/blocks.h"

namespace hearth::quant::bandsimd {

// interleave.h's BandGemmFn, for n_bands a multiple of K::V::kBands: bands
// k, k + runs, ... (V::kBands of them, one per lane group, runs = n_bands /
// V::kBands) for k in [0, runs): each lane group streams a run of whole
// bands, one ascending stream. (Pairs of adjacent bands, each 9-36 KB read
// and as much skipped, ran one core from memory at 15 against the AVX2
// kernel's 26 GB/s: the prefetchers lost them at every pair.)
template <typename K>
void gemm(int64_t n, const void* band_data, int64_t n_bands, const void* a, uint64_t a_stride, int64_t n_tok, float* y,
          int64_t ldy) {
  const int64_t runs = n_bands / K::V::kBands;
  const uint64_t band_bytes = K::band_bytes(n);
  const auto* act = static_cast<const uint8_t*>(a);
  for (int64_t k = 0; k < runs; ++k) {
    const uint8_t* band = static_cast<const uint8_t*>(band_data) + static_cast<uint64_t>(k) * band_bytes;
    K::tiles(n, band, static_cast<uint64_t>(runs) * band_bytes, act, a_stride, n_tok, y + k * K::V::kBandRows, ldy,
             runs * K::V::kBandRows);
  }
}

// interleave.h's BandDecodeFn: K::kDecodeStreams bands at once, as G =
// K::kDecodeStreams / V::kBands vectors of V::kBands bands (lane group l of
// vector g: band k + (g V::kBands + l) partner), one token.
template <typename K>
void decode(int64_t n, const void* band_data, int64_t n_groups, int64_t partner, const void* a, float* y) {
  constexpr int kGroups = K::kDecodeStreams / K::V::kBands;
  static_assert(kGroups * K::V::kBands == K::kDecodeStreams, "whole vectors of bands");
  const uint64_t band_bytes = K::band_bytes(n);
  for (int64_t k = 0; k < n_groups; ++k) {
    const uint8_t* band = static_cast<const uint8_t*>(band_data) + static_cast<uint64_t>(k) * band_bytes;
    K::template tile<1, kGroups>(n, band, static_cast<uint64_t>(partner) * band_bytes, static_cast<const uint8_t*>(a),
                                 0, 0, y + k * K::V::kBandRows, 0, partner * K::V::kBandRows);
  }
}

// A policy with vpdpbusd (V::dpbusd4(acc, u, y4): acc + in each 32-bit lane
// the sum of the 4 products of u's unsigned bytes there and the 4 signed
// activation bytes at y4, the same in every lane).
template <typename V>
concept HasDpbusd = requires(typename V::I v, const int8_t* y4) { V::dpbusd4(v, v, y4); };

// init + in each 32-bit lane (a row) the sum of the products of the unsigned
// bytes of u_k and the signed bytes of s_k there, k < 8, where
// operands(k, u_k, s_k) gives the pair: a block's 32 codes of each row times
// the activation bytes they meet, without vpdpbusd (the VNNI policies' steps
// run their own chains of V::dpbusd4). Each pair is consumed as it is made
// (no more registers live than needed). Exact: maddubs products in pairs (one
// int16 each: 2 * 255 * 127 would not fit, but the formats' codes do), the 8
// summed in int16 when kShort (Q4_0's 4-bit codes: 8 * 2 * 15 * 127 = 30480
// < 2^15) or each widened by a madd first (Q8_0's |codes| <= 127: a pair
// reaches 2 * 127 * 127).
template <typename V, bool kShort, typename Operands>
[[gnu::always_inline]] inline typename V::I dot_block(typename V::I init, Operands operands) {
  using I = typename V::I;
  I u, s;
  if constexpr (kShort) {
    I p[8];
    for (int k = 0; k < 8; ++k) {
      operands(k, u, s);
      p[k] = V::maddubs(u, s);
    }
    // a tree, not a chain: the adds' latency is on every block's path
    const I sum = V::add16(V::add16(V::add16(p[0], p[1]), V::add16(p[2], p[3])),
                           V::add16(V::add16(p[4], p[5]), V::add16(p[6], p[7])));
    return V::add32(V::madd(sum, V::set1_16(1)), init);
  } else {
    const I ones = V::set1_16(1);
    I p[8];
    for (int k = 0; k < 8; ++k) {
      operands(k, u, s);
      p[k] = V::madd(V::maddubs(u, s), ones);
    }
    return V::add32(init, V::add32(V::add32(V::add32(p[0], p[1]), V::add32(p[2], p[3])),
                                   V::add32(V::add32(p[4], p[5]), V::add32(p[6], p[7]))));
  }
}

// From int16 pairs (a_r, b_r) in 32-bit lane r: (a_r, a_r) (k = 0) or
// (b_r, b_r) (k = 1), the multiplier of one sub-block's sums in a madd (the
// K formats' sub-block scales).
template <typename V>
typename V::I one_of_pair(typename V::I pairs, int k) {
  return V::shuffle8(pairs, k ? _mm_setr_epi8(2, 3, 2, 3, 6, 7, 6, 7, 10, 11, 10, 11, 14, 15, 14, 15)
                              : _mm_setr_epi8(0, 1, 0, 1, 4, 5, 4, 5, 8, 9, 8, 9, 12, 13, 12, 13));
}

// The super-block formats (Q4_K, Q6_K, with Q8_K activations): NT tokens
// times G groups of V::kBands bands (group g at band + g V::kBands stride),
// super-block after super-block, K::superblock<NT>(sb, stride, y, s, acc)
// adding super-block s of the bands at sb times token t into acc[t] (lane r:
// row r; K: the format's step, x86/q4_K_bands_simd.h, q6_K_bands_simd.h).
// Not inlined: each tile shape compiles alone (inlined into one gemm, Q6_K's
// one-token tile lost 10 % to the two-token one's register allocation).
template <typename K, int NT, int G>
[[gnu::noinline]] void superblock_tile(int64_t n, const uint8_t* band, uint64_t stride, const uint8_t* a,
                                       uint64_t a_stride, int64_t t0, float* y, int64_t ldy, int64_t y_stride) {
  using V = typename K::V;
  const BlockQ8_K* rows[NT];
  typename V::F acc[G][NT];
  for (int t = 0; t < NT; ++t) {
    rows[t] = reinterpret_cast<const BlockQ8_K*>(a + static_cast<uint64_t>(t0 + t) * a_stride);
  }
  for (int g = 0; g < G; ++g) {
    for (int t = 0; t < NT; ++t) acc[g][t] = V::fzero();
  }
  const uint64_t group = V::kBands * stride;
  const int64_t nsb = n / kQKK;
  for (int64_t s = 0; s < nsb; ++s) {
    // unrolled: as a loop, the accumulators acc[g] lived on the stack
#pragma GCC unroll 4
    for (int g = 0; g < G; ++g) {
      K::template superblock<NT>(band + g * group + static_cast<uint64_t>(s) * K::kSuperBlockBytes, stride, rows, s,
                                 acc[g]);
    }
  }
  for (int g = 0; g < G; ++g) {
    for (int t = 0; t < NT; ++t) V::store(y + (t0 + t) * ldy + g * V::kBands * y_stride, y_stride, acc[g][t]);
  }
}

// A super-block format's kernel family (the interface at the top) from its
// step: Step::kSuperBlockBytes per 8 rows' super-block, Step::kTokens per
// register tile (the rest one token at a time), Step::superblock.
template <typename Step>
struct SuperBlockBands {
  using V = typename Step::V;
  // Bands a decode step streams at once (interleave.h): two. Against one
  // (AVX2 had one band per vector and took one stream): Q4_K 78-85 -> 88 %,
  // Q6_K 79 -> 92 % of the read probe (hearth_stream_bench, 8192 x 2048, two
  // threads, Zen 5, the fast state); four cost the AVX-512 kernels 10-25
  // points (Q4_K 101-107 -> 88-90 %, Q6_K 106-115 -> 83-92 %); the legacy
  // formats take two as well (legacy_bands_simd.h). A wide band (16 rows,
  // V = ZmmWide) is two bands' work in one stream, and takes one.
  static constexpr int kDecodeStreams = V::kBandRows == bands::kRows ? 2 : 1;
  static uint64_t band_bytes(int64_t n) { return static_cast<uint64_t>(n / kQKK) * Step::kSuperBlockBytes; }
  template <int NT, int G = 1>
  static void tile(int64_t n, const uint8_t* band, uint64_t stride, const uint8_t* a, uint64_t a_stride, int64_t t0,
                   float* y, int64_t ldy, int64_t y_stride) {
    superblock_tile<Step, NT, G>(n, band, stride, a, a_stride, t0, y, ldy, y_stride);
  }
  static void tiles(int64_t n, const uint8_t* band, uint64_t stride, const uint8_t* a, uint64_t a_stride,
                    int64_t n_tok, float* y, int64_t ldy, int64_t y_stride) {
    int64_t t = 0;
    for (; t + Step::kTokens <= n_tok; t += Step::kTokens) {
      tile<Step::kTokens>(n, band, stride, a, a_stride, t, y, ldy, y_stride);
    }
    for (; t < n_tok; ++t) tile<1>(n, band, stride, a, a_stride, t, y, ldy, y_stride);
  }
};

}  // namespace hearth::quant::bandsimd
