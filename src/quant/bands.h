// What every band layout (quant/interleave.h) shares: 8 rows per band (every
// format also comes in wide bands of 16: legacy_bands.h, and below for the
// super-block formats), the codes as vectors of 4 bytes per row, and the
// scalar reference of the band kernels, written once. The layouts:
// quant/legacy_bands.h (Q4_0, Q8_0), quant/q4_K_bands.h, quant/q6_K_bands.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "quant/interleave.h"

namespace hearth::quant::bands {

inline constexpr int kRows = 8;
// The wide bands of the legacy formats: one 512-bit vector holds a code
// vector of all 16 rows (legacy_bands.h says why).
inline constexpr int kWideRows = 16;

// Code bytes of a row in one 32-byte vector of a band.
inline constexpr int kCodeChunk = 4;

// Where code byte j (0, 1, ...) of row r lies in a run of code vectors of a
// band of `rows` rows: vector j / 4 (4 bytes of each row), byte 4 r + j % 4 of
// it (the 4 bytes of a row in a vector meet one 4-byte broadcast of the
// activation).
inline uint64_t code_byte(int r, int j, int rows = kRows) {
  return static_cast<uint64_t>(4 * rows * (j / 4) + 4 * r + j % 4);
}

// The wide bands of the super-block formats (Q4_K, Q6_K): a wide
// super-block is the 8-row super-blocks of rows 0-7 and 8-15 side by side,
// piece by piece. A piece is what one vector load of the 8-row kernels takes:
// z = 32 bytes (4 a row: a code vector, packed scales) or 16 (2 a row: fp16
// d, a pair of int8 scales). The piece at offset o of the 8-row super-block
// (o a multiple of z) lies at 2 o (rows 0-7) and 2 o + z (rows 8-15), so one
// load of 2 z bytes at kSpread o takes it for all 16 rows, in the lanes that
// two bands of 8 rows have in the AVX-512 kernels' vectors (the first band
// low, its partner high: x86/bands_zmm.h); a kernel written for those reads
// a wide band with its offsets times kSpread. Zen 5 streamed them slower
// than the bands of 8 (x86/bands_vnni_avx512.cpp); no table takes them yet.
inline constexpr int kSpread = kWideRows / kRows;

// Calls f(w, o, z) for every piece of nsb super-blocks: o its offset in a
// band of 8 rows, w that of its rows 0-7 in the wide band (rows 8-15 at
// w + z), z its size. kBytes: the bytes of an 8-row super-block;
// kPieceBytes(o): the size of the piece at offset o of it.
template <uint64_t kBytes, auto kPieceBytes, typename F>
void for_each_piece(int64_t nsb, F f) {
  for (int64_t s = 0; s < nsb; ++s) {
    const uint64_t at = static_cast<uint64_t>(s) * kBytes;
    for (uint64_t o = 0, z = 0; o < kBytes; o += z) {
      z = kPieceBytes(o);
      f(kSpread * at + 2 * o, at + o, z);
    }
  }
}

// Wide bands <-> two bands of 8 rows (rows 0-7: low, 8-15: high).
template <uint64_t kBytes, auto kPieceBytes>
void widen(int64_t nsb, const uint8_t* low, const uint8_t* high, uint8_t* wide) {
  for_each_piece<kBytes, kPieceBytes>(nsb, [&](uint64_t w, uint64_t o, uint64_t z) {
    std::memcpy(wide + w, low + o, z);
    std::memcpy(wide + w + z, high + o, z);
  });
}
template <uint64_t kBytes, auto kPieceBytes>
void narrow(int64_t nsb, const uint8_t* wide, uint8_t* low, uint8_t* high) {
  for_each_piece<kBytes, kPieceBytes>(nsb, [&](uint64_t w, uint64_t o, uint64_t z) {
    std::memcpy(low + o, wide + w, z);
    std::memcpy(high + o, wide + w + z, z);
  });
}

// interleave.h's PackBandFn and UnpackBandFn of a super-block format's wide
// bands (kPerBlock elements per super-block) from those of its bands of 8
// rows: rows 0-7 and 8-15 each packed as a band, then widened (and back).
template <uint64_t kBytes, auto kPieceBytes, int64_t kPerBlock, PackBandFn kPack>
void pack_wide(int64_t n, const void* rows, void* band) {
  const int64_t nsb = n / kPerBlock;
  const uint64_t half = static_cast<uint64_t>(nsb) * kBytes;  // 8 rows' bytes
  std::vector<uint8_t> bands(2 * half);
  kPack(n, rows, bands.data());
  kPack(n, static_cast<const uint8_t*>(rows) + half, bands.data() + half);
  widen<kBytes, kPieceBytes>(nsb, bands.data(), bands.data() + half, static_cast<uint8_t*>(band));
}
template <uint64_t kBytes, auto kPieceBytes, int64_t kPerBlock, UnpackBandFn kUnpack>
void unpack_wide(int64_t n, const void* band, void* rows) {
  const int64_t nsb = n / kPerBlock;
  const uint64_t half = static_cast<uint64_t>(nsb) * kBytes;
  std::vector<uint8_t> bands(2 * half);
  narrow<kBytes, kPieceBytes>(nsb, static_cast<const uint8_t*>(band), bands.data(), bands.data() + half);
  kUnpack(n, bands.data(), rows);
  kUnpack(n, bands.data() + half, static_cast<uint8_t*>(rows) + half);
}

// Calls f(x, at, r) for every super-block of a band's rows (n elements, kQKK
// per super-block, kBytes per super-block of the band): x its index in the
// rows (r * nsb + s), at the band offset of its super-block, r its row.
template <uint64_t kBytes, typename F>
void for_each_superblock(int64_t n, int64_t per_block, F f) {
  const int64_t nsb = n / per_block;
  for (int64_t s = 0; s < nsb; ++s) {
    for (int r = 0; r < kRows; ++r) f(static_cast<uint64_t>(r * nsb + s), static_cast<uint64_t>(s) * kBytes, r);
  }
}

// The scalar reference of a band kernel, interleave.h's BandGemmFn: each
// band back in its rows (kUnpack), then per token and row the type's block
// step, block after block, from acc = 0:
//   acc = kStep(row block b, activation block b, acc)
// (the formula of the type's layout header). Block: the weight block, of
// kElems elements; Act: the activation block (plain vec_dot_type rows: the
// reference reads no side data).
template <typename Block, typename Act, int64_t kElems, UnpackBandFn kUnpack, auto kStep, int kBandRows = kRows>
void reference_gemm(int64_t n, const void* band_data, int64_t n_bands, const void* a, uint64_t a_stride, int64_t n_tok,
                    float* y, int64_t ldy) {
  const int64_t n_blocks = n / kElems;
  std::vector<Block> rows(static_cast<size_t>(kBandRows * n_blocks));
  const uint64_t band_bytes = sizeof(Block) * static_cast<uint64_t>(kBandRows * n_blocks);  // a band is its rows' bytes
  for (int64_t k = 0; k < n_bands; ++k) {
    kUnpack(n, static_cast<const uint8_t*>(band_data) + static_cast<uint64_t>(k) * band_bytes, rows.data());
    for (int64_t t = 0; t < n_tok; ++t) {
      const auto* act = reinterpret_cast<const Act*>(static_cast<const uint8_t*>(a) + t * a_stride);
      for (int r = 0; r < kBandRows; ++r) {
        float acc = 0.0f;
        for (int64_t b = 0; b < n_blocks; ++b) acc = kStep(rows[static_cast<size_t>(r * n_blocks + b)], act[b], acc);
        y[t * ldy + k * kBandRows + r] = acc;
      }
    }
  }
}

}  // namespace hearth::quant::bands
