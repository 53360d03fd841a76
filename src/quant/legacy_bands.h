// The layout of the legacy 32-element formats with one fp16 scale per block
// (Q4_0, Q8_0) in bands of 8 rows and in wide bands of 16 (quant/interleave.h).
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
//
// The wide bands (kWideRows = 16 rows) are the same layout with 16 rows: 64-
// byte code vectors (byte 4 r + i of vector v is qs byte 4 v + i of row r)
// and 32 bytes of scales per block, so one 512-bit load takes a code vector
// of all 16 rows, and one stream a thread carries what two bands of 8 rows
// needed two streams for (they stream best two at a time on Zen 4:
// x86/legacy_bands_simd.h). Zen 4 (2026-12-03), Q4_0 8192 x 2048 from
// memory, two threads, both kernels in one process in turn each pass, the
// host's fast state (vCPUs on different CCDs): 8 rows 87.6 / 85.6 / 81.7 %,
// 16 rows 88.2 / 90.9 / 86.3 % of the reads around them (medians of 16, 11
// and 22 passes); the 16-row kernel on two streams 73.9 against 79.3 % on
// one. Llama-3.2-1B (hearth_ab_bench, chunks of 8 decode steps in turn):
// Q4_0 paired medians +2.7 (ahead in 59 of 96), +0.6 (84 of 160), +1.3
// points (96 of 160), Q8_0 +0.7 (71 of 128); the Zen 4 table takes them
// (type_traits.cpp). The same bits as the bands of 8 rows: the formula is
// each row's. On Zen 5 (2026-12-04, the host mostly between its states,
// reads 47-81 GB/s): Q4_0 -3.1 (ahead in 16 of 96), -8.3 (8 of 96), +1.1
// points (79 of 128), Q8_0 +0.5 (53 of 96): no clear gain, and its table
// keeps the bands of 8 (the super-block formats' wide bands lost there:
// x86/bands_vnni_avx512.cpp).
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

template <typename Block, int kBandRows = kRows>
struct Layout {
  static constexpr uint64_t kRowCodes = sizeof(Block::qs);
  static constexpr uint64_t kCodeBytes = kBandRows * kRowCodes;
  static constexpr uint64_t kScaleBytes = kBandRows * sizeof(uint16_t);
  static constexpr uint64_t kBlockBytes = kCodeBytes + kScaleBytes;
  static_assert(kBlockBytes == kBandRows * sizeof(Block), "a band is its rows' bytes");

  // Block b of a band of nb blocks.
  static BlockAt block_at(int64_t nb, int64_t b) {
    const int64_t first = b & ~int64_t{1};
    const auto base = static_cast<uint64_t>(first) * kBlockBytes;
    const auto in_pair = static_cast<uint64_t>(std::min<int64_t>(2, nb - first));
    const auto second = static_cast<uint64_t>(b & 1);
    return {base + in_pair * kScaleBytes + second * kCodeBytes, base + second * kScaleBytes};
  }
};

// kBandRows rows of n elements (the type's row layout) <-> one band:
// interleave.h's PackBandFn and UnpackBandFn, shared by every ISA's table.
template <typename Block, int kBandRows = kRows>
void pack(int64_t n, const void* rows, void* band);
template <typename Block, int kBandRows = kRows>
void unpack(int64_t n, const void* band, void* rows);

}  // namespace hearth::quant::bands
