// The layout of Q4_K in bands of 8 rows (quant/interleave.h).
//
// A band holds the 8 rows' super-blocks s = 0..nsb-1 one after the other,
// 1152 bytes each (8 x 144: a band is exactly its rows' bytes), each in the
// order the kernels read it, so that a band is one ascending stream:
//   [0, 64)       the low 4 bits of the rows' 6-bit sub-block scales and mins,
//                 one byte per (sub-block j, row r): sc & 15 | (m & 15) << 4,
//                 in pairs of sub-blocks: at 16 (j / 2) + 2 r + j % 2, so a
//                 pair widens to int16 lanes (v_2p,r, v_2p+1,r), row r in
//                 32-bit lane r (one madd takes a pair's mins against the
//                 activation's sums of both sub-blocks);
//   [64, 96)      their high 2 bits: the byte at k (0..31) holds those of
//                 the low-nibble bytes at k and 32 + k (sub-blocks j and
//                 j + 4): sc_j >> 4 in bits 0-1, sc_j+4 >> 4 in bits 2-3,
//                 m_j >> 4 in bits 4-5 and m_j+4 >> 4 in bits 6-7: one shift
//                 and mask per 4 sub-blocks rebuilds a 32-byte vector of values;
//   [96, 112)     the rows' fp16 d (row r at 2 r);
//   [112, 128)    the rows' fp16 dmin;
//   [128, 1152)   codes: 32 vectors of 32 bytes; byte 4 r + i of vector u is
//                 qs byte 4 u + i of row r (code_byte, as the legacy bands).
//                 Vector u = 8 c + v holds, in its low nibbles, elements
//                 64 c + 4 v + i of sub-block 2 c, and in its high nibbles
//                 elements 64 c + 32 + 4 v + i of sub-block 2 c + 1.
// With the scales, mins and d after the codes (read first, then back to the
// codes 1 KB behind them), two threads from memory in the host's fast state
// streamed 75 % of the read probe, in this order 85 % (94 -> 96 % in its
// slow state; medians of 50-230 interleaved passes, 2026-11-30).
// The kernels compute, for row r, super-block after super-block,
//   acc_r = fma(d_r d_y, sumi_r, acc_r),  then  acc_r = fma(-(dmin_r d_y), mins_r, acc_r)
// with the exact integers sumi_r = sum_j sc_j,r sum_i q_i y_i over sub-block j
// and mins_r = sum_j m_j,r (bsums_2j + bsums_2j+1) of the Q8_K activation block.
#pragma once

#include <cstdint>

#include "quant/bands.h"
#include "quant/blocks.h"

namespace hearth::quant::bands::q4k {

inline constexpr uint64_t kCodeBytes = kRows * sizeof(BlockQ4_K::qs);
inline constexpr uint64_t kNibbles = 0;            // offset of the low 4 bits of scales and mins
inline constexpr uint64_t kHighs = kNibbles + 64;  // offset of their high 2 bits
inline constexpr uint64_t kD = kHighs + 32;        // offset of the rows' d
inline constexpr uint64_t kDmin = kD + 2 * kRows;  // offset of the rows' dmin
inline constexpr uint64_t kCodes = kDmin + 2 * kRows;  // offset of the codes
inline constexpr uint64_t kSuperBlockBytes = kCodes + kCodeBytes;
static_assert(kSuperBlockBytes == kRows * sizeof(BlockQ4_K), "a band is its rows' bytes");

// Sub-blocks per super-block.
inline constexpr int kSubBlocks = 8;

inline uint64_t nibble_byte(int r, int j) { return kNibbles + static_cast<uint64_t>(16 * (j / 2) + 2 * r + j % 2); }
inline uint64_t high_byte(int r, int j) { return kHighs + static_cast<uint64_t>(16 * ((j / 2) % 2) + 2 * r + j % 2); }
inline int scale_high_shift(int j) { return 2 * (j / 4); }
inline int min_high_shift(int j) { return 4 + 2 * (j / 4); }

// interleave.h's PackBandFn and UnpackBandFn for Q4_K.
void pack(int64_t n, const void* rows, void* band);
void unpack(int64_t n, const void* band, void* rows);

// The wide bands (16 rows, 2304 bytes a super-block: bands.h): pieces of 32
// bytes, but d and dmin, 16.
inline constexpr uint64_t piece_bytes(uint64_t o) { return o >= kD && o < kCodes ? 16 : 32; }
void pack_wide(int64_t n, const void* rows, void* band);
void unpack_wide(int64_t n, const void* band, void* rows);

}  // namespace hearth::quant::bands::q4k
