// The layout of Q4_0 weights in bands of 8 rows (quant/interleave.h).
//
// A band holds the 8 rows' blocks b = 0..nb-1 in pairs of blocks:
//   [codes of 2c | codes of 2c + 1 | scales of 2c | scales of 2c + 1]
// (the last block alone when nb is odd), 288 bytes per pair, so a pair's
// codes start 32-byte aligned whenever the band does.
//   codes of b: 128 bytes, 4 vectors of 32: byte 4 r + i of vector v is byte
//               4 v + i of row r's block b (i = 0..3): its low nibble is
//               element 4 v + i, its high nibble element 16 + 4 v + i;
//   scales of b: the 8 rows' fp16 d, row r at bytes 2 r, 2 r + 1.
// 8 blocks of 18 bytes are 144 = 128 + 16 bytes: a band is its rows' bytes.
#pragma once

#include <algorithm>
#include <cstdint>

#include "quant/blocks.h"

namespace hearth::quant::q4_0_x8 {

inline constexpr int kRows = 8;
inline constexpr uint64_t kCodeBytes = kRows * kQK / 2;
inline constexpr uint64_t kScaleBytes = kRows * sizeof(uint16_t);
inline constexpr uint64_t kBlockBytes = kCodeBytes + kScaleBytes;
static_assert(kBlockBytes == kRows * sizeof(BlockQ4_0));

// Offsets of block b's codes and scales in a band of nb blocks.
struct BlockAt {
  uint64_t codes, scales;
};
inline BlockAt block_at(int64_t nb, int64_t b) {
  const int64_t first = b & ~int64_t{1};
  const auto base = static_cast<uint64_t>(first) * kBlockBytes;
  const auto in_pair = static_cast<uint64_t>(std::min<int64_t>(2, nb - first));
  const auto second = static_cast<uint64_t>(b & 1);
  return {base + second * kCodeBytes, base + in_pair * kCodeBytes + second * kScaleBytes};
}

// Where byte j (0..15) of row r's block b lies in the block's codes.
inline uint64_t code_byte(int r, int j) { return static_cast<uint64_t>(32 * (j / 4) + 4 * r + j % 4); }

// kRows rows of n elements (Q4_0 row layout) <-> one band (interleave.h's
// PackBandFn and UnpackBandFn, shared by every ISA's table).
void pack(int64_t n, const void* rows, void* band);
void unpack(int64_t n, const void* band, void* rows);

}  // namespace hearth::quant::q4_0_x8
