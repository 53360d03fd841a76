// The layout of Q6_K in bands of 8 rows (quant/interleave.h).
//
// A band holds the 8 rows' super-blocks s = 0..nsb-1 one after the other,
// 1680 bytes each (8 x 210: a band is exactly its rows' bytes):
//   [0, 1536)     16 groups of 3 vectors of 32 bytes, in the order the
//                 kernels read them (one stream, which the hardware
//                 prefetchers follow: ql and qh in regions of their own
//                 streamed at ~5 GB/s from memory). Group w: the qh vector
//                 w, then ql vectors 16 h + w % 8 and 16 h + 8 + w % 8
//                 (h = w / 8), where byte 4 r + i of qh (ql) vector u is row
//                 r's qh (ql) byte 4 u + i. With l = 4 (w % 8) + i, the group
//                 holds elements 128 h + l, + 32, + 64 and + 96 (the low
//                 nibbles of both ql vectors, then their high nibbles);
//   [1536, 1664)  the rows' int8 sub-block scales in pairs of sub-blocks:
//                 byte 16 p + 2 r + (j % 2) is row r's scale j (p = j / 2),
//                 so a pair sign-extends to int16 lanes (sc_2p,r, sc_2p+1,r),
//                 one madd against the activation's two 16-element sums;
//   [1664, 1680)  the rows' fp16 d (row r at 2 r).
// The kernels compute, for row r, super-block after super-block,
//   acc_r = fma(d_r d_y, sumi_r - 32 offs_r, acc_r)
// with the exact integers sumi_r = sum_j sc_j,r sum_e q_e y_e (q the 6-bit
// index 0..63) and offs_r = sum_j sc_j,r bsums_j of the Q8_K activation block.
#pragma once

#include <cstdint>

#include "quant/bands.h"
#include "quant/blocks.h"

namespace hearth::quant::bands::q6k {

inline constexpr uint64_t kGroupBytes = 3 * 32;
inline constexpr uint64_t kScales = kRows * (sizeof(BlockQ6_K::ql) + sizeof(BlockQ6_K::qh));  // offset of the scales
inline constexpr uint64_t kD = kScales + kRows * sizeof(BlockQ6_K::scales);
inline constexpr uint64_t kSuperBlockBytes = kD + 2 * kRows;
static_assert(kSuperBlockBytes == kRows * sizeof(BlockQ6_K), "a band is its rows' bytes");

// Where row r's ql byte j and qh byte j sit in a super-block.
inline uint64_t ql_byte(int r, int j) {
  const int u = j / 4, h = u / 16, m = u % 16;
  return kGroupBytes * static_cast<uint64_t>(8 * h + m % 8) + 32 * static_cast<uint64_t>(1 + m / 8) +
         code_byte(r, j % 4);
}
inline uint64_t qh_byte(int r, int j) { return kGroupBytes * static_cast<uint64_t>(j / 4) + code_byte(r, j % 4); }
inline uint64_t scale_byte(int r, int j) { return kScales + static_cast<uint64_t>(16 * (j / 2) + 2 * r + j % 2); }

// interleave.h's PackBandFn and UnpackBandFn for Q6_K.
void pack(int64_t n, const void* rows, void* band);
void unpack(int64_t n, const void* band, void* rows);

}  // namespace hearth::quant::bands::q6k
