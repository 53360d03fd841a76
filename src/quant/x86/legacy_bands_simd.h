// The x86 kernels of Q4_0 and Q8_0 in bands of 8 rows (layout:
// quant/legacy_bands.h) with Q8_0 activations and their side data
// (x86/block_groups.h: float d_y per block, and the per-block -c sum(y)
// corrections: c = 8 for Q4_0, 128 for Q8_0 on VNNI), for any vector policy
// (x86/band_kernels.h).
// Lanes are rows: vector v of a block's codes holds qs bytes 4v..4v+3 of
// each row, and the activation bytes they meet are the same for all 8 rows,
// one broadcast. Each block ends with the rows' exact integer sums in their
// lanes (no reduction tree) and the rows' scales are one 16-byte load; then
// a convert, a multiply and an FMA per block and token (the formula of
// quant/interleave.h).
//
// Decode (one-token tiles) leaves the streams to the hardware prefetchers. A
// request of each band's bytes 1 KB ahead into L1 had won an A/B of whole
// runs (Llama-3.2-1B, 2 threads, Zen 5: Q4_0 82.9-90.5 -> 88.6-91.6 %), but
// with each decode chunk sorted by the host's bandwidth state (the reads
// around it: > 50 GB/s fast, < 42 slow) it lost in both: Q8_0 fast 84.2 ->
// 92.8 %, slow 94.6 -> 97.2 % without it (medians of ~70 chunks each), Q4_0
// fast 78.4 -> 86.5 %, slow 94.9 -> 96.6 %; into L2 instead of L1 was in
// between. One core from memory (hearth_stream_bench T 2048 6 1, the state
// does not move it): Q8_0 82-92 -> 94-103 %, Q4_0 79-85 -> 93-98 %, and the
// AVX2 tables (HEARTH_KERNELS=avx2) Q8_0 64-96 -> 88-101 %, Q4_0 53-94 -> 75-90 %.
#pragma once

#include <cstdint>

#include "quant/blocks.h"
#include "quant/legacy_bands.h"
#include "quant/legacy_common.h"
#include "quant/x86/band_kernels.h"
#include "quant/x86/block_groups.h"

namespace hearth::quant::bandsimd {

// What Q4_0 and Q8_0 share: the walk over a band's blocks in pairs
// (legacy_bands.h), the float step, and the token tiles. Fmt: the format's
// block step, Fmt::block<NT>(codes, scales, stride, b, a, acc), always
// inlined (called twice per pair of blocks: GCC kept Q4_0's out of line once
// its sums moved to dot_block, and its one-token AVX-512 kernel fell from 76
// to 59 GB/s in L2).
template <typename Fmt>
struct LegacyBands {
  using V = typename Fmt::V;
  using I = typename V::I;
  using F = typename V::F;
  using Block = typename Fmt::Block;
  using L = bands::Layout<Block, V::kBandRows>;
  // Tokens per register tile: a block's unpacked codes and a float
  // accumulator per token stay in the 16 registers.
  static constexpr int kTokens = 4;
  // Bands a decode step streams at once (interleave.h): two, as the K
  // formats'. Four had won on Zen 5 with the software prefetch of session
  // 19 (hearth_stream_bench, 8192 x 2048, two threads, the fast state: Q8_0
  // 85-91 -> 90-97 %, Q4_0 86-91 -> 90-98 %) and stayed when it went, within
  // the noise there (Llama-3.2-1B, 2 rounds: Q8_0 fast 92.8 against 90.9 %
  // with two). On Zen 4 (2026-12-03) four lose: one process alternating the
  // two per chunk of 8 decode steps (50-60 chunks each, the chunks sorted by
  // the reads around them), fast state four -> two Q8_0 76.4 / 67.3 / 78.8 /
  // 74.1 -> 81.9 / 77.4 / 84.3 / 80.8 %, Q4_0 63.7 / 65.9 / 74.7 / 73.5 ->
  // 62.5 / 71.5 / 78.2 / 75.7 %; slow state Q8_0 88.1-93.0 -> 91.0-94.7 %,
  // Q4_0 87.5-92.4 -> 90.5-93.1 %. Measured and not kept there: one band
  // per 256-bit vector with vpdpbusd (Zen 4 runs 512-bit operations in two
  // halves): fast Q8_0 83.3 / 77.7 -> 77.3 / 69.0 %, Q4_0 69.3 / 71.7 ->
  // 65.5 / 69.4 %; each band's bytes requested 1-2 KB ahead into L1: 5-15
  // points lost in both states. A wide band (16 rows, V = ZmmWide) is the
  // two bands' work in one stream, and takes one.
  static constexpr int kDecodeStreams = V::kBandRows == bands::kRows ? 2 : 1;
  static uint64_t band_bytes(int64_t n) { return static_cast<uint64_t>(legacy::block_count(n)) * L::kBlockBytes; }

  // The float step of a block: acc += (d_x,r d_y) * sums_r.
  static F fold(F dx, const groups::ActivationRow& a, int64_t b, I sums, F acc) {
    return V::fmadd(V::fmul(dx, V::fset1(a.scales()[b])), V::cvt(sums), acc);
  }

  // acc[g][t] (lane r: row r of group g's bands) += those rows . activation
  // row t, for G groups of V::kBands bands (group g at band + g V::kBands
  // stride: band_kernels.h): their blocks in pairs, then the odd one out.
  template <int NT, int G>
  static void band_times_tokens(int64_t nb, const uint8_t* band, uint64_t stride,
                                const groups::ActivationRow (&a)[NT], F (&acc)[G][NT]) {
    const uint64_t group = V::kBands * stride;
    int64_t b = 0;
    for (; b + 2 <= nb; b += 2) {
      // unrolled: as a loop, the accumulators acc[g] lived on the stack
#pragma GCC unroll 4
      for (int g = 0; g < G; ++g) {
        const uint8_t* pair = band + g * group + static_cast<uint64_t>(b) * L::kBlockBytes;
        const uint8_t* codes = pair + 2 * L::kScaleBytes;
        Fmt::template block<NT>(codes, pair, stride, b, a, acc[g]);
        Fmt::template block<NT>(codes + L::kCodeBytes, pair + L::kScaleBytes, stride, b + 1, a, acc[g]);
      }
    }
    if (b < nb) {
      for (int g = 0; g < G; ++g) {
        const uint8_t* last = band + g * group + static_cast<uint64_t>(b) * L::kBlockBytes;
        Fmt::template block<NT>(last + L::kScaleBytes, last, stride, b, a, acc[g]);
      }
    }
  }

  // NT activation rows from t0 times G groups of V::kBands bands.
  template <int NT, int G = 1>
  static void tile(int64_t n, const uint8_t* band, uint64_t stride, const uint8_t* a, uint64_t a_stride, int64_t t0,
                   float* y, int64_t ldy, int64_t y_stride) {
    const groups::ExtrasLayout l = groups::extras_layout(n, Fmt::kCodes);
    groups::ActivationRow rows[NT];
    F acc[G][NT];
    for (int t = 0; t < NT; ++t) rows[t] = {a + static_cast<uint64_t>(t0 + t) * a_stride, l};
    for (int g = 0; g < G; ++g) {
      for (int t = 0; t < NT; ++t) acc[g][t] = V::fzero();
    }
    band_times_tokens<NT, G>(legacy::block_count(n), band, stride, rows, acc);
    for (int g = 0; g < G; ++g) {
      for (int t = 0; t < NT; ++t) V::store(y + (t0 + t) * ldy + g * V::kBands * y_stride, y_stride, acc[g][t]);
    }
  }

  // The last n_tok (< NT) tokens as one tile of exactly n_tok.
  template <int NT>
  static void rest(int64_t n, const uint8_t* band, uint64_t stride, const uint8_t* a, uint64_t a_stride, int64_t t0,
                   int64_t n_tok, float* y, int64_t ldy, int64_t y_stride) {
    if constexpr (NT > 1) {
      if (n_tok == NT - 1) {
        tile<NT - 1>(n, band, stride, a, a_stride, t0, y, ldy, y_stride);
      } else {
        rest<NT - 1>(n, band, stride, a, a_stride, t0, n_tok, y, ldy, y_stride);
      }
    }
  }

  static void tiles(int64_t n, const uint8_t* band, uint64_t stride, const uint8_t* a, uint64_t a_stride,
                    int64_t n_tok, float* y, int64_t ldy, int64_t y_stride) {
    int64_t t = 0;
    for (; t + kTokens <= n_tok; t += kTokens) tile<kTokens>(n, band, stride, a, a_stride, t, y, ldy, y_stride);
    if (t < n_tok) rest<kTokens>(n, band, stride, a, a_stride, t, n_tok - t, y, ldy, y_stride);
  }
};

// Q4_0: the codes stay unsigned (0..15), the - 8 is the activation side
// data's -8 sum(y), the start of each row's sum.
//
// With vpdpbusd the high nibbles stay where they are: c & 0xf0 is 16 times
// the code, its int32 sums (4 vectors, 16 products of at most 240 * 127 per
// lane) are exactly 16 times the high nibbles' sums, and one arithmetic shift
// per block and token brings them back: an and-not per vector where a shift
// and an and were (maddubs could not take them: a product pair reaches
// 2 * 240 * 127 > 2^15). Zen 5, 3 pairs in turn (2026-12-02): one core in L2
// (BandsInL2/Q4_0) 246-292 -> 342-355 GFLOP/s; two threads from memory
// (hearth_stream_bench Q4_0 8192 20) 84-86 -> 86-89 % of the read probe.
template <typename Vec>
struct Q4_0Step {
  using V = Vec;
  using I = typename V::I;
  using F = typename V::F;
  using Block = BlockQ4_0;
  static constexpr groups::Codes kCodes = groups::Codes::kPaired;

  template <int NT>
  [[gnu::always_inline]] static void block(const uint8_t* code_bytes, const uint8_t* scales, uint64_t stride,
                                           int64_t b, const groups::ActivationRow (&a)[NT], F (&acc)[NT]) {
    const I low4 = V::set1_8(0x0f);
    I codes[8];  // lo nibbles of vectors 0..3, then the high ones (16 times theirs with vpdpbusd)
    for (int v = 0; v < 4; ++v) {
      const I c = V::load(code_bytes + V::kVector * v, stride);
      codes[v] = V::and_(c, low4);
      if constexpr (HasDpbusd<V>) {
        codes[4 + v] = V::andnot(low4, c);
      } else {
        codes[4 + v] = V::and_(V::template srli16<4>(c), low4);
      }
    }
    const F dx = V::load_ph(scales, stride);
    for (int t = 0; t < NT; ++t) {
      const int8_t* y = a[t].blocks()[b].qs;
      // the low nibbles of vector v meet bytes 4v.., the high ones 16 + 4v..
      I sums;
      if constexpr (HasDpbusd<V>) {
        I lo = V::set1_32(a[t].corrections(0)[b]), hi16 = V::zero();
        for (int v = 0; v < 4; ++v) {
          lo = V::dpbusd4(lo, codes[v], y + 4 * v);
          hi16 = V::dpbusd4(hi16, codes[4 + v], y + 16 + 4 * v);
        }
        sums = V::add32(lo, V::template srai32<4>(hi16));
      } else {
        sums = dot_block<V, true>(V::set1_32(a[t].corrections(0)[b]), [&](int k, I& u, I& s) {
          u = codes[k];
          s = V::bcast4(y + (k < 4 ? 4 * k : 16 + 4 * (k - 4)));
        });
      }
      acc[t] = LegacyBands<Q4_0Step>::fold(dx, a[t], b, sums, acc[t]);
    }
  }
};

// Q8_0: both operands signed. With vpdpbusd each code x is read as the
// unsigned byte x ^ 0x80 = x + 128, and the chain starts from the side
// data's -128 sum(y) (x86/block_groups.h): one xor per vector where the
// codes' magnitudes meeting y with the codes' signs took three operations
// (an abs, a sign mask and a masked subtract). Zen 5, A/B interleaved:
// BandGemm 332-342 -> 360-372 GFLOP/s, Llama-3.2-1B prefill (pp512, 2
// threads) 251-282 -> 310-341 tok/s; one token in L2 unchanged (88-95 GB/s
// either way, far above what memory feeds a core). Without VNNI the
// magnitudes and signs (maddubs: a product pair reaches 2 * 127 * 127, so
// dot_block widens each). The activations are never -128 (the activation
// quantizer's codes are -127..127), which the sign trick needs.
template <typename Vec>
struct Q8_0Step {
  using V = Vec;
  using I = typename V::I;
  using F = typename V::F;
  using Block = BlockQ8_0;
  static constexpr groups::Codes kCodes = groups::Codes::kWithout;

  template <int NT>
  [[gnu::always_inline]] static void block(const uint8_t* codes, const uint8_t* scales, uint64_t stride, int64_t b,
                                           const groups::ActivationRow (&a)[NT], F (&acc)[NT]) {
    const F dx = V::load_ph(scales, stride);
    for (int t = 0; t < NT; ++t) {
      const int8_t* y = a[t].blocks()[b].qs;
      I sums;
      if constexpr (HasDpbusd<V>) {
        // two chains: the instruction's latency
        const I bias = V::set1_8(static_cast<char>(0x80));
        I chain[2] = {V::set1_32(a[t].corrections(0)[b]), V::zero()};
        for (int v = 0; v < 8; ++v) {
          chain[v % 2] = V::dpbusd4(chain[v % 2], V::xor_(V::load(codes + V::kVector * v, stride), bias), y + 4 * v);
        }
        sums = V::add32(chain[0], chain[1]);
      } else {
        sums = dot_block<V, false>(V::zero(), [&](int v, I& u, I& s) {
          const I x = V::load(codes + V::kVector * v, stride);
          u = V::abs8(x);
          s = V::sign8(V::bcast4(y + 4 * v), x);
        });
      }
      acc[t] = LegacyBands<Q8_0Step>::fold(dx, a[t], b, sums, acc[t]);
    }
  }
};

template <typename V>
using Q4_0Bands = LegacyBands<Q4_0Step<V>>;
template <typename V>
using Q8_0Bands = LegacyBands<Q8_0Step<V>>;

}  // namespace hearth::quant::bandsimd
