// Q6_K in bands of 8 rows (layout: quant/q6_K_bands.h): packing, unpacking
// and the scalar reference of the band kernels.
#include "quant/q6_K_bands.h"

#include <cmath>
#include <cstddef>
#include <cstring>

#include "core/fp16.h"
#include "quant/interleave.h"
#include "quant/quant_input.h"
#include "quant/sym_layout.h"

namespace hearth::quant {

namespace bands::q6k {

namespace {

// Where a row's byte sits in a band, for each field: {band offset, row offset, bytes}.
template <typename F>
void for_each_field(int r, F f) {
  for (int j = 0; j < static_cast<int>(sizeof(BlockQ6_K::ql)); j += kCodeChunk) {
    f(ql_byte(r, j), offsetof(BlockQ6_K, ql) + static_cast<uint64_t>(j), kCodeChunk);
  }
  for (int j = 0; j < static_cast<int>(sizeof(BlockQ6_K::qh)); j += kCodeChunk) {
    f(qh_byte(r, j), offsetof(BlockQ6_K, qh) + static_cast<uint64_t>(j), kCodeChunk);
  }
  for (int j = 0; j < kQKK / 16; ++j) f(scale_byte(r, j), offsetof(BlockQ6_K, scales) + static_cast<uint64_t>(j), 1);
  f(kD + 2 * static_cast<uint64_t>(r), offsetof(BlockQ6_K, d), sizeof(uint16_t));
}

}  // namespace

void pack(int64_t n, const void* rows, void* band) {
  sym::check_whole_blocks("q6_K bands", n, kQKK);
  const auto* x = static_cast<const uint8_t*>(rows);
  auto* out = static_cast<uint8_t*>(band);
  for_each_superblock<kSuperBlockBytes>(n, kQKK, [&](uint64_t i, uint64_t sb, int r) {
    for_each_field(r, [&](uint64_t at, uint64_t field, uint64_t bytes) {
      std::memcpy(out + sb + at, x + i * sizeof(BlockQ6_K) + field, bytes);
    });
  });
}

void unpack(int64_t n, const void* band, void* rows) {
  const auto* in = static_cast<const uint8_t*>(band);
  auto* x = static_cast<uint8_t*>(rows);
  for_each_superblock<kSuperBlockBytes>(n, kQKK, [&](uint64_t i, uint64_t sb, int r) {
    for_each_field(r, [&](uint64_t at, uint64_t field, uint64_t bytes) {
      std::memcpy(x + i * sizeof(BlockQ6_K) + field, in + sb + at, bytes);
    });
  });
}

}  // namespace bands::q6k

namespace {

// The reference (bands.h), a super-block's step the formula of
// q6_K_bands.h.
float step(const BlockQ6_K& x, const BlockQ8_K& y, float acc) {
  int8_t v[kQKK];
  sym::q6_K_values(x, v);  // index - 32
  int32_t sumi = 0, offs = 0;
  for (int j = 0; j < kQKK / 16; ++j) {
    int32_t sub = 0;
    for (int e = 16 * j; e < 16 * j + 16; ++e) sub += (v[e] + 32) * y.qs[e];
    sumi += x.scales[j] * sub;
    offs += x.scales[j] * y.bsums[j];
  }
  return std::fma(fp16_to_fp32(x.d) * y.d, static_cast<float>(sumi - 32 * offs), acc);
}

}  // namespace

namespace generic {
const InterleavedKernels q6_K_x8{bands::kRows, bands::q6k::pack, bands::q6k::unpack,
                                 bands::reference_gemm<BlockQ6_K, BlockQ8_K, kQKK, bands::q6k::unpack, step>};
}  // namespace generic

}  // namespace hearth::quant
