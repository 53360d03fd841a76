// The shape shared by the x86 Q4_0 kernels (AVX2: q4_0_avx2.cpp, AVX-512
// VNNI: q4_0_avx512.cpp): a row is walked in groups of 8 consecutive blocks
// whose vector lanes are blocks, not elements. Each lane ends a group holding
// its block's exact integer sum, and one convert and one FMA with the 8
// blocks' scales finish the group:
//   sum_l = sum_e code_e y_e - 8 sum_e y_e     exact, in int32
//   acc  += (d_x,l d_y,l) * sum_l              one FMA per 8 blocks
// and the row ends with the horizontal sum of acc. The weight codes stay
// unsigned (0..15), as the unsigned x signed byte products want; the `- 8`
// becomes -8 sum(y) per block, which depends on the activations only and is
// computed once per activation row (the side data below, kernels.h's
// ActivationExtras), with each block's d_y as a float.
// Both ISAs share the float steps (fold_group, tail, the final hsum) and
// the integer sums are exact, so they return the same bits, and each dot
// returns its gemm's bits (quant/gemm.h). Include only from *_avx2.cpp and
// *_avx512.cpp files.
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "quant/blocks.h"
#include "quant/legacy_common.h"
#include "quant/x86/avx2_common.h"

namespace hearth::quant::q4_0_groups {

inline constexpr int64_t kGroup = 8;  // blocks per group: one per 32-bit lane of a 256-bit vector

// The side data after a Q8_0 activation row of nb blocks, offsets from the
// row's start (64-byte aligned; the row padded to 64 bytes so consecutive
// rows keep the alignment):
//   groups:  per whole group of 8 blocks, 256 bytes of transposed codes
//            (vector j = 0..7, lane l: elements 4j..4j+3 of block l; stored
//            as four 64-byte [j | j + 1] pairs: what the AVX-512 VNNI kernel
//            multiplies), then 8 int32: -8 sum(y) of each block;
//   scales:  per block its d as a float (the last nb % 8 blocks included;
//            those are read from the Q8_0 blocks themselves).
struct ExtrasLayout {
  uint64_t groups, scales, row_bytes;
};

inline constexpr uint64_t kGroupCodes = 256;
inline constexpr uint64_t kGroupBytes = kGroupCodes + kGroup * sizeof(int32_t);

ExtrasLayout extras_layout(int64_t n);

// Where block b's pieces sit in an activation row.
struct ActivationRow {
  const uint8_t* row;
  ExtrasLayout l;
  const uint8_t* group(int64_t g) const { return row + l.groups + static_cast<uint64_t>(g) * kGroupBytes; }
  // the 8 blocks' -8 sum(y)
  const int32_t* corrections(int64_t g) const { return reinterpret_cast<const int32_t*>(group(g) + kGroupCodes); }
  const float* scales() const { return reinterpret_cast<const float*>(row + l.scales); }
  const BlockQ8_0* blocks() const { return reinterpret_cast<const BlockQ8_0*>(row); }
};

// The one float step of a group: acc += d * sums (d: d_x d_y per block).
inline __m256 fold_group(__m256 d, __m256 sums, __m256 acc) { return _mm256_fmadd_ps(d, sums, acc); }

// The last nb % 8 blocks (fewer than a group), from the plain Q8_0 blocks:
// their exact sums and d_x d_y in the lanes of a group (0 in the others),
// for the same fold_group step. Rare (rows are mostly multiples of 256), so
// the scalar reference's block helpers (legacy_common.h).
struct Tail {
  __m256 d, sums;
};

inline Tail tail(const BlockQ4_0* x, const BlockQ8_0* y, const float* y_scales, int64_t count) {
  alignas(32) float d[kGroup] = {}, sums[kGroup] = {};
  for (int64_t b = 0; b < count; ++b) {
    int8_t q[kQK];
    legacy::unpack_nibbles(x[b].qs, 8, q);  // code - 8
    d[b] = avx2::fp16_scalar(x[b].d) * y_scales[b];
    sums[b] = static_cast<float>(legacy::dot_block(q, y[b].qs));
  }
  return {_mm256_load_ps(d), _mm256_load_ps(sums)};
}

// The NT activation rows of a gemm tile (NT = 1: a dot's row).
template <int NT>
inline void activation_rows(int64_t n, const uint8_t* const act[NT], ActivationRow (&a)[NT]) {
  const ExtrasLayout l = extras_layout(n);
  for (int t = 0; t < NT; ++t) a[t] = {act[t], l};
}

// d_x d_y of group g's 8 blocks, from the weights' dx.
inline __m256 group_scales(__m256 dx, const ActivationRow& a, int64_t g) {
  return _mm256_mul_ps(dx, _mm256_loadu_ps(a.scales() + g * kGroup));
}

// The end of NT rows of nb blocks once their first g groups are folded into
// acc: the last nb % 8 blocks as one more group (tail), then each row's
// horizontal sum.
template <int NT>
inline void finish_rows(const BlockQ4_0* x, int64_t nb, int64_t g, const ActivationRow (&a)[NT], __m256 (&acc)[NT],
                        float out[NT]) {
  if (const int64_t rest = nb - g * kGroup; rest > 0) {
    const int64_t b0 = g * kGroup;
    for (int t = 0; t < NT; ++t) {
      const Tail r = tail(x + b0, a[t].blocks() + b0, a[t].scales() + b0, rest);
      acc[t] = fold_group(r.d, r.sums, acc[t]);
    }
  }
  for (int t = 0; t < NT; ++t) out[t] = avx2::hsum(acc[t]);
}

}  // namespace hearth::quant::q4_0_groups
