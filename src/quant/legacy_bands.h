// The layout of the legacy 32-element formats with one fp16 scale per block
// (Q4_0, Q8_0) in bands of 8 rows (quant/interleave.h).
//
// A band holds the 8 rows' blocks b = 0..nb-1 in pairs of blocks:
//   [scales of 2c | scales of 2c + 1 | codes of 2c | codes of 2c + 1]
// (the last block alone when nb is odd), so a pair's codes start 32-byte
// aligned whenever the band does (pairs are 288 bytes for Q4_0, 544 for Q8_0),
// and the kernels read a band in ascending order. With the scales after the
// codes (a pair's first block needs them 512 bytes ahead), two threads of the
// Q8_0 kernel from memory in the host's fast state streamed 81 % of the read
// probe, in this order 90 % (91 -> 96 % in its slow state); Q4_0, whose
// scales were 256 bytes ahead, about the same (medians of 60-340
// interleaved passes, 2026-11-30).
//   codes of b: the 8 rows' qs bytes (16 or 32 per row) as vectors of 32
//               bytes: byte 4 r + i of vector v is qs byte 4 v + i of row r
//               (i = 0..3). Q4_0: its low nibble is element 4 v + i, its high
//               nibble element 16 + 4 v + i; Q8_0: it is element 4 v + i;
//   scales of b: the 8 rows' fp16 d, row r at bytes 2 r, 2 r + 1.
// 8 blocks are 8 qs + 8 d: a band is exactly its rows' bytes.
#pragma once

#include <algorithm>
#include <cstdint>

#include "quant/bands.h"
#include "quant/blocks.h"

namespace hearth::quant::bands {

// Offsets of a block's codes and scales in a band.
struct BlockAt {
  uint64_t codes, scales;
};

template <typename Block>
struct Layout {
  static constexpr uint64_t kRowCodes = sizeof(Block::qs);
  static constexpr uint64_t kCodeBytes = kRows * kRowCodes;
  static constexpr uint64_t kScaleBytes = kRows * sizeof(uint16_t);
  static constexpr uint64_t kBlockBytes = kCodeBytes + kScaleBytes;
  static_assert(kBlockBytes == kRows * sizeof(Block), "a band is its rows' bytes");

  // Block b of a band of nb blocks.
  static BlockAt block_at(int64_t nb, int64_t b) {
    const int64_t first = b & ~int64_t{1};
    const auto base = static_cast<uint64_t>(first) * kBlockBytes;
    const auto in_pair = static_cast<uint64_t>(std::min<int64_t>(2, nb - first));
    const auto second = static_cast<uint64_t>(b & 1);
    return {base + in_pair * kScaleBytes + second * kCodeBytes, base + second * kScaleBytes};
  }
};

// kRows rows of n elements (the type's row layout) <-> one band: interleave.h's
// PackBandFn and UnpackBandFn, shared by every ISA's table.
template <typename Block>
void pack(int64_t n, const void* rows, void* band);
template <typename Block>
void unpack(int64_t n, const void* band, void* rows);

}  // namespace hearth::quant::bands
