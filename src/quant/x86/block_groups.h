// The shape shared by the x86 kernels of Q4_0 (AVX2: q4_0_avx2.cpp, AVX-512
// VNNI: q4_0_avx512.cpp) and Q8_0 (q8_0_avx2.cpp) with Q8_0 activations: a
// row is walked in groups of 8 consecutive blocks whose vector lanes are
// blocks, not elements. Each lane ends a group holding its block's exact
// integer sum, and one convert and one FMA with the 8 blocks' scales finish
// the group:
//   sum_l = sum_e x_e y_e                     exact, in int32
//   acc  += (d_x,l d_y,l) * sum_l             one FMA per 8 blocks
// and the row ends with the horizontal sum of acc. A per-block shape (8
// lanes of elements, a scale broadcast, a convert and an FMA per block and
// token) costs 3-4 times the float work, which on AVX2 was most of a block.
//
// Each activation block's d_y comes as a float from side data computed once
// per activation row (below, kernels.h's ActivationExtras). Q4_0: the weight
// codes stay unsigned (0..15), as the unsigned x signed byte products want;
// the `- 8` becomes -8 sum(y) per block, which depends on the activations
// only and is in the side data too.
//
// Every kernel of a type shares these float steps (fold_group, tail,
// finish_rows) and the integer sums are exact, so a type's kernels return
// the same bits on every ISA, and each dot its gemm's (quant/gemm.h).
// Include only from *_avx2.cpp and *_avx512.cpp files.
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "quant/blocks.h"
#include "quant/legacy_common.h"
#include "quant/x86/avx2_common.h"

namespace hearth::quant::groups {

inline constexpr int64_t kGroup = 8;  // blocks per group: one per 32-bit lane of a 256-bit vector

// The one float step of a group: acc += d * sums (d: d_x d_y per block).
inline __m256 fold_group(__m256 d, __m256 sums, __m256 acc) { return _mm256_fmadd_ps(d, sums, acc); }

// ---- The activation side data ----

// The side data after a Q8_0 activation row of nb blocks, offsets from the
// row's start (64-byte aligned; the row padded to 64 bytes so consecutive
// rows keep the alignment):
//   groups:      Q4_0 only: per whole group of 8 blocks, 256 bytes of codes
//                in the order its kernel multiplies them:
//                  Codes::kPaired (AVX2): per block pair (2p, 2p + 1), 64 bytes
//                    [elements 0..15 of 2p | of 2p + 1 | 16..31 of 2p | of 2p + 1],
//                    the halves a pair's two 128-bit weight loads unpack to;
//                  Codes::kTransposed (AVX-512 VNNI): vector j = 0..7, lane l:
//                    elements 4j..4j+3 of block l, stored as four 64-byte
//                    [j | j + 1] pairs;
//   corrections: per block (the last nb % 8 included) -c sum(y) as an
//                int32, c the offset that makes the weight codes unsigned:
//                8 for Q4_0 (codes 0..15 stand for -8..7), 128 for Q8_0
//                (code x read as the byte x ^ 0x80 = x + 128, the AVX-512
//                VNNI band kernels: quant/x86/legacy_bands_simd.h); the
//                rows-interleaved kernels (quant/interleave.h) read them too;
//   scales:      per block its d as a float (the last nb % 8 blocks included):
//                8 at a time from fp16 cost the dot ~20 scalar ops per group.
// kernels.h's avx2::q4_0_activation_extras (kPaired), q8_0_activation_extras
// (kWithout) and avx512::q4_0_activation_extras (kTransposed).
struct ExtrasLayout {
  uint64_t groups, corrections, scales, row_bytes;
};

inline constexpr uint64_t kGroupBytes = 256;  // a group's codes

enum class Codes { kPaired, kTransposed, kWithout };

// Inline: every dot call (one per weight row in decode) lays out its rows.
inline ExtrasLayout extras_layout(int64_t n, Codes codes) {
  const auto round_up = [](uint64_t v, uint64_t m) { return (v + m - 1) / m * m; };
  const auto nb = static_cast<uint64_t>(legacy::block_count(n));
  ExtrasLayout l{};
  l.groups = round_up(nb * sizeof(BlockQ8_0), 64);
  l.corrections = l.groups + (codes != Codes::kWithout ? nb / kGroup * kGroupBytes : 0);
  l.scales = l.corrections + nb * sizeof(int32_t);
  l.row_bytes = round_up(l.scales + nb * sizeof(float), 64);
  return l;
}

// Where block b's pieces sit in an activation row.
struct ActivationRow {
  const uint8_t* row;
  ExtrasLayout l;
  const uint8_t* group(int64_t g) const { return row + l.groups + static_cast<uint64_t>(g) * kGroupBytes; }
  // the 8 blocks' -c sum(y) (c: 8 for Q4_0, 128 for Q8_0)
  const int32_t* corrections(int64_t g) const {
    return reinterpret_cast<const int32_t*>(row + l.corrections) + g * kGroup;
  }
  const float* scales() const { return reinterpret_cast<const float*>(row + l.scales); }
  const BlockQ8_0* blocks() const { return reinterpret_cast<const BlockQ8_0*>(row); }
};

// The NT activation rows of a gemm tile (NT = 1: a dot's row).
template <int NT>
inline void activation_rows(int64_t n, Codes codes, const uint8_t* const act[NT], ActivationRow (&a)[NT]) {
  const ExtrasLayout l = extras_layout(n, codes);
  for (int t = 0; t < NT; ++t) a[t] = {act[t], l};
}

// ---- The end of a row ----

// A block's signed codes as the scalar reference reads them.
inline void signed_codes(const BlockQ4_0& x, int8_t q[kQK]) { legacy::unpack_nibbles(x.qs, 8, q); }
inline void signed_codes(const BlockQ8_0& x, int8_t q[kQK]) { std::memcpy(q, x.qs, kQK); }

// The last nb % 8 blocks (fewer than a group): their exact sums and d_x d_y
// in the lanes of a group (0 in the others), for the same fold_group step.
// Rare (rows are mostly multiples of 256), so the scalar reference's block
// helpers (legacy_common.h).
struct Tail {
  __m256 d, sums;
};

template <typename Block>
inline Tail tail(const Block* x, const BlockQ8_0* y, int64_t count) {
  alignas(32) float d[kGroup] = {}, sums[kGroup] = {};
  for (int64_t b = 0; b < count; ++b) {
    int8_t q[kQK];
    signed_codes(x[b], q);
    d[b] = avx2::fp16_scalar(x[b].d) * avx2::fp16_scalar(y[b].d);
    sums[b] = static_cast<float>(legacy::dot_block(q, y[b].qs));
  }
  return {_mm256_load_ps(d), _mm256_load_ps(sums)};
}

// The end of NT rows of nb blocks once their first g groups are folded into
// acc: the last nb % 8 blocks as one more group (tail), then each row's
// horizontal sum.
template <typename Block, int NT>
inline void finish_rows(const Block* x, int64_t nb, int64_t g, const ActivationRow (&a)[NT], __m256 (&acc)[NT],
                        float out[NT]) {
  if (const int64_t rest = nb - g * kGroup; rest > 0) {
    const int64_t b0 = g * kGroup;
    for (int t = 0; t < NT; ++t) {
      const Tail r = tail(x + b0, a[t].blocks() + b0, rest);
      acc[t] = fold_group(r.d, r.sums, acc[t]);
    }
  }
  for (int t = 0; t < NT; ++t) out[t] = avx2::hsum(acc[t]);
}

// ---- The AVX2 walk ----

// The steps of the AVX2 kernels' reduction trees. Each interleaves two
// vectors (two unpacks) and adds, so every lane then holds twice as many
// elements of one block:
//   32 bits: [a0 b0 a1 b1 | ..] + [a2 b2 a3 b3 | ..] -> a b a b per 128-bit lane
//   64 bits: (a b) pairs and (c d) pairs              -> a b c d per lane
// On AMD Zen 4 a hadd takes ~2 cycles of throughput and an unpack ~0.5, and
// the multiply pipes have room for the madds that widen the products first.
// Q4_0's gemm with one block per vector (before its block pairs: one core,
// medians of 5 interleaved runs) ran at 55 GFLOP/s with hadds, 62-64 with an
// int16 tree (no madds, but a widening at the end), 57-62 with trees of
// blends and in-lane shuffles, and 71 with block_sums.
inline __m256i interleave_add32(__m256i a, __m256i b) {
  return _mm256_add_epi32(_mm256_unpacklo_epi32(a, b), _mm256_unpackhi_epi32(a, b));
}
inline __m256i interleave_add64(__m256i ab, __m256i cd) {
  return _mm256_add_epi32(_mm256_unpacklo_epi64(ab, cd), _mm256_unpackhi_epi64(ab, cd));
}

// 8 blocks' products, each as 8 int32 partial sums (quads(b): a maddubs then
// a madd by 1), -> one exact int32 per block in lane b: two interleave
// levels, then the two 128-bit lanes of (a b c d) and (e f g h) added.
template <typename Quads>
inline __m256i block_sums(Quads quads) {
  const __m256i abcd = interleave_add64(interleave_add32(quads(0), quads(1)), interleave_add32(quads(2), quads(3)));
  const __m256i efgh = interleave_add64(interleave_add32(quads(4), quads(5)), interleave_add32(quads(6), quads(7)));
  return _mm256_add_epi32(_mm256_permute2x128_si256(abcd, efgh, 0x20), _mm256_permute2x128_si256(abcd, efgh, 0x31));
}

template <typename Format, int NT>
inline void walk(int64_t n, const typename Format::Block* x, const ActivationRow (&a)[NT], float out[NT]) {
  using Block = typename Format::Block;
  const int64_t nb = legacy::block_count(n);
  __m256 acc[NT];
  for (int t = 0; t < NT; ++t) acc[t] = _mm256_setzero_ps();
  int64_t g = 0;
  for (; (g + 1) * kGroup <= nb; ++g) {
    const Block* xg = x + g * kGroup;
    avx2::prefetch_stream<kGroup * sizeof(Block)>(xg);
    const typename Format::Weights w = Format::load(xg);
    const __m256 dx = avx2::fp16_scales8(xg);
    for (int t = 0; t < NT; ++t) {
      const __m256 d = _mm256_mul_ps(dx, _mm256_loadu_ps(a[t].scales() + g * kGroup));
      acc[t] = fold_group(d, _mm256_cvtepi32_ps(Format::sums(w, a[t], g)), acc[t]);
    }
  }
  finish_rows<Block, NT>(x, nb, g, a, acc, out);
}

// The gemm kernel (x86/gemm_avx2.h) of a Format.
template <typename Format>
struct Kernel {
  template <int NT>
  static void tile(int64_t n, const uint8_t* row, const uint8_t* const act[NT], float out[NT]) {
    ActivationRow a[NT];
    activation_rows<NT>(n, Format::kCodes, act, a);
    walk<Format, NT>(n, reinterpret_cast<const typename Format::Block*>(row), a, out);
  }
};

}  // namespace hearth::quant::groups
