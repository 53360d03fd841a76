// Q4_K in bands of 8 rows (layout: quant/q4_K_bands.h): packing, unpacking
// and the scalar reference of the band kernels.
#include "quant/q4_K_bands.h"

#include <cmath>
#include <cstring>

#include "core/fp16.h"
#include "quant/interleave.h"
#include "quant/k_asym.h"
#include "quant/quant_input.h"

namespace hearth::quant {

namespace bands::q4k {

void pack(int64_t n, const void* rows, void* band) {
  sym::check_whole_blocks("q4_K bands", n, kQKK);
  const auto* x = static_cast<const BlockQ4_K*>(rows);
  auto* out = static_cast<uint8_t*>(band);
  for_each_superblock<kSuperBlockBytes>(n, kQKK, [&](uint64_t i, uint64_t at, int r) {
    uint8_t* sb = out + at;
    std::memcpy(sb + kD + 2 * r, &x[i].d, sizeof(x[i].d));
    std::memcpy(sb + kDmin + 2 * r, &x[i].dmin, sizeof(x[i].dmin));
    uint8_t sc[kSubBlocks], m[kSubBlocks];
    kasym::unpack_scales_mins_6bit(x[i].scales, sc, m);
    for (int j = 0; j < kSubBlocks; ++j) sb[nibble_byte(r, j)] = static_cast<uint8_t>((sc[j] & 15) | (m[j] & 15) << 4);
    for (int j = 0; j < kSubBlocks / 2; ++j) {
      uint8_t h = 0;
      for (const int jj : {j, j + 4})
        h |= static_cast<uint8_t>((sc[jj] >> 4) << scale_high_shift(jj) | (m[jj] >> 4) << min_high_shift(jj));
      sb[high_byte(r, j)] = h;
    }
    for (uint64_t j = 0; j < sizeof(x[i].qs); j += kCodeChunk) {
      std::memcpy(sb + kCodes + code_byte(r, static_cast<int>(j)), &x[i].qs[j], kCodeChunk);
    }
  });
}

void unpack(int64_t n, const void* band, void* rows) {
  const auto* in = static_cast<const uint8_t*>(band);
  auto* x = static_cast<BlockQ4_K*>(rows);
  for_each_superblock<kSuperBlockBytes>(n, kQKK, [&](uint64_t i, uint64_t at, int r) {
    const uint8_t* sb = in + at;
    std::memcpy(&x[i].d, sb + kD + 2 * r, sizeof(x[i].d));
    std::memcpy(&x[i].dmin, sb + kDmin + 2 * r, sizeof(x[i].dmin));
    uint8_t sc[kSubBlocks], m[kSubBlocks];
    for (int j = 0; j < kSubBlocks; ++j) {
      const uint8_t low = sb[nibble_byte(r, j)], high = sb[high_byte(r, j)];
      sc[j] = static_cast<uint8_t>((low & 15) | ((high >> scale_high_shift(j)) & 3) << 4);
      m[j] = static_cast<uint8_t>((low >> 4) | ((high >> min_high_shift(j)) & 3) << 4);
    }
    kasym::pack_scales_mins_6bit(sc, m, x[i].scales);
    for (uint64_t j = 0; j < sizeof(x[i].qs); j += kCodeChunk) {
      std::memcpy(&x[i].qs[j], sb + kCodes + code_byte(r, static_cast<int>(j)), kCodeChunk);
    }
  });
}

void pack_wide(int64_t n, const void* rows, void* band) {
  bands::pack_wide<kSuperBlockBytes, piece_bytes, kQKK, pack>(n, rows, band);
}
void unpack_wide(int64_t n, const void* band, void* rows) {
  bands::unpack_wide<kSuperBlockBytes, piece_bytes, kQKK, unpack>(n, band, rows);
}

}  // namespace bands::q4k

namespace {

// The reference (bands.h), a super-block's step the formula of
// q4_K_bands.h.
float step(const BlockQ4_K& x, const BlockQ8_K& y, float acc) {
  kasym::Unpacked u;
  kasym::unpack_q4_K(x, &u);
  const kasym::SuperblockSums s = kasym::superblock_sums(kasym::kQ4KSpec, u, y);
  acc = std::fma(fp16_to_fp32(x.d) * y.d, static_cast<float>(s.q), acc);
  return std::fma(-(fp16_to_fp32(x.dmin) * y.d), static_cast<float>(s.m), acc);
}

}  // namespace

namespace generic {
const InterleavedKernels q4_K_x8{bands::kRows, bands::q4k::pack, bands::q4k::unpack,
                                 bands::reference_gemm<BlockQ4_K, BlockQ8_K, kQKK, bands::q4k::unpack, step>};
const InterleavedKernels q4_K_x16{
    bands::kWideRows, bands::q4k::pack_wide, bands::q4k::unpack_wide,
    bands::reference_gemm<BlockQ4_K, BlockQ8_K, kQKK, bands::q4k::unpack_wide, step, bands::kWideRows>, nullptr, 0,
    &q4_K_x8};
}  // namespace generic

}  // namespace hearth::quant
