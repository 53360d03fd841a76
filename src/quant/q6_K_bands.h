// The layout of Q6_K in bands of 8 rows (quant/interleave.h).
//
// A band holds the 8 rows' super-blocks s = 0..nsb-1 one after the other,
// 1680 bytes each (8 x 210: a band is exactly its rows' bytes), each in the
// order the kernels read it, so that a band is one ascending stream:
//   [0, 128)      the rows' int8 sub-block scales in pairs of sub-blocks:
//                 byte 16 p + 2 r + (j % 2) is row r's scale j (p = j / 2),
//                 so a pair sign-extends to int16 lanes (sc_2p,r, sc_2p+1,r),
//                 one madd against the activation's two 16-element sums;
//   [128, 1664)   the 6-bit indices, re-encoded: 16 groups (w = 0..15) of 3
//                 vectors V0, V1, V2 of 32 bytes, in the order the kernels
//                 read them (ql and qh in regions of their own streamed at ~5
//                 GB/s from memory). Byte 4 r + i of each vector belongs to
//                 row r and, with h = w / 8 and l = 4 (w % 8) + i, to the
//                 indices a, b, c, d of its elements 128 h + l, + 32, + 64
//                 and + 96:
//                   V0 = a | (d & 3) << 6,  V1 = b | (d >> 2 & 3) << 6,
//                   V2 = c | (d >> 4) << 6
//                 so a, b and c are one mask each and d three shifts and
//                 masks (the file's ql / qh split costs 17 operations per
//                 4 vectors of indices, this 11). The same 3 bytes per 4
//                 elements as the file's ql (2) and qh (1);
//   [1664, 1680)  the rows' fp16 d (row r at 2 r), read last.
// With the scales after the indices (read first, then back to the indices
// 1.5 KB behind them), two threads from memory in the host's fast state
// streamed 75 % of the read probe, in this order 79 % (94 -> 96 % in its
// slow state; medians of 80-200 interleaved passes, 2026-11-30).
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
inline constexpr uint64_t kScales = 0;                                    // offset of the scales
inline constexpr uint64_t kCodes = kScales + kRows * sizeof(BlockQ6_K::scales);  // offset of the indices
inline constexpr uint64_t kD = kCodes + kRows * (sizeof(BlockQ6_K::ql) + sizeof(BlockQ6_K::qh));
inline constexpr uint64_t kSuperBlockBytes = kD + 2 * kRows;
static_assert(kSuperBlockBytes == kRows * sizeof(BlockQ6_K), "a band is its rows' bytes");

// Where vector k (0..2) of group w holds row r's byte i (0..3) in a super-block.
inline uint64_t code_at(int w, int k, int r, int i) {
  return kCodes + kGroupBytes * static_cast<uint64_t>(w) + 32 * static_cast<uint64_t>(k) + code_byte(r, i);
}
inline uint64_t scale_byte(int r, int j) { return kScales + static_cast<uint64_t>(16 * (j / 2) + 2 * r + j % 2); }

// interleave.h's PackBandFn and UnpackBandFn for Q6_K.
void pack(int64_t n, const void* rows, void* band);
void unpack(int64_t n, const void* band, void* rows);

// The wide bands (16 rows, 3360 bytes a super-block: bands.h): pieces of 32
// bytes, but the scale pairs and d, 16.
inline constexpr uint64_t piece_bytes(uint64_t o) { return o >= kCodes && o < kD ? 32 : 16; }
void pack_wide(int64_t n, const void* rows, void* band);
void unpack_wide(int64_t n, const void* band, void* rows);

}  // namespace hearth::quant::bands::q6k
