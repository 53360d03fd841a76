// Q6_K in bands of 8 rows (layout: quant/q6_K_bands.h): packing, unpacking
// and the scalar reference of the band kernels.
#include "quant/q6_K_bands.h"

#include <cmath>
#include <cstddef>
#include <cstring>
#include <vector>

#include "core/fp16.h"
#include "quant/interleave.h"
#include "quant/quant_input.h"
#include "quant/sym_layout.h"

namespace hearth::quant {

namespace bands::q6k {

namespace {

constexpr int kChunk = 4;  // bytes per row in one vector of a band

// Calls f(x, sb, r) for every super-block of a band's rows: x its index in
// the rows (r * nsb + s), sb the band offset of its super-block, r its row.
template <typename F>
void for_each_superblock(int64_t n, F f) {
  const int64_t nsb = n / kQKK;
  for (int64_t s = 0; s < nsb; ++s) {
    for (int r = 0; r < kRows; ++r) f(static_cast<uint64_t>(r * nsb + s), static_cast<uint64_t>(s) * kSuperBlockBytes, r);
  }
}

// Where a row's byte sits in a band, for each field: {band offset, row offset, bytes}.
template <typename F>
void for_each_field(int r, F f) {
  for (int j = 0; j < static_cast<int>(sizeof(BlockQ6_K::ql)); j += kChunk) {
    f(ql_byte(r, j), offsetof(BlockQ6_K, ql) + static_cast<uint64_t>(j), kChunk);
  }
  for (int j = 0; j < static_cast<int>(sizeof(BlockQ6_K::qh)); j += kChunk) {
    f(qh_byte(r, j), offsetof(BlockQ6_K, qh) + static_cast<uint64_t>(j), kChunk);
  }
  for (int j = 0; j < kQKK / 16; ++j) f(scale_byte(r, j), offsetof(BlockQ6_K, scales) + static_cast<uint64_t>(j), 1);
  f(kD + 2 * static_cast<uint64_t>(r), offsetof(BlockQ6_K, d), sizeof(uint16_t));
}

}  // namespace

void pack(int64_t n, const void* rows, void* band) {
  sym::check_whole_blocks("q6_K bands", n, kQKK);
  const auto* x = static_cast<const uint8_t*>(rows);
  auto* out = static_cast<uint8_t*>(band);
  for_each_superblock(n, [&](uint64_t i, uint64_t sb, int r) {
    for_each_field(r, [&](uint64_t at, uint64_t field, uint64_t bytes) {
      std::memcpy(out + sb + at, x + i * sizeof(BlockQ6_K) + field, bytes);
    });
  });
}

void unpack(int64_t n, const void* band, void* rows) {
  const auto* in = static_cast<const uint8_t*>(band);
  auto* x = static_cast<uint8_t*>(rows);
  for_each_superblock(n, [&](uint64_t i, uint64_t sb, int r) {
    for_each_field(r, [&](uint64_t at, uint64_t field, uint64_t bytes) {
      std::memcpy(x + i * sizeof(BlockQ6_K) + field, in + sb + at, bytes);
    });
  });
}

}  // namespace bands::q6k

namespace {

// The reference: each band back in rows, then the formula of q6_K_bands.h.
void gemm_q6_K_x8(int64_t n, const void* band_data, int64_t n_bands, const void* a, uint64_t a_stride, int64_t n_tok,
                  float* y, int64_t ldy) {
  using bands::kRows;
  const int64_t nsb = n / kQKK;
  std::vector<BlockQ6_K> rows(static_cast<size_t>(kRows * nsb));
  for (int64_t k = 0; k < n_bands; ++k) {
    bands::q6k::unpack(n, static_cast<const uint8_t*>(band_data) + static_cast<uint64_t>(k * nsb) * bands::q6k::kSuperBlockBytes,
                       rows.data());
    for (int64_t t = 0; t < n_tok; ++t) {
      const auto* act = reinterpret_cast<const BlockQ8_K*>(static_cast<const uint8_t*>(a) + t * a_stride);
      for (int r = 0; r < kRows; ++r) {
        float acc = 0.0f;
        for (int64_t s = 0; s < nsb; ++s) {
          const BlockQ6_K& x = rows[static_cast<size_t>(r * nsb + s)];
          const BlockQ8_K& ys = act[s];
          int8_t v[kQKK];
          sym::q6_K_values(x, v);  // index - 32
          int32_t sumi = 0, offs = 0;
          for (int j = 0; j < kQKK / 16; ++j) {
            int32_t sub = 0;
            for (int e = 16 * j; e < 16 * j + 16; ++e) sub += (v[e] + 32) * ys.qs[e];
            sumi += x.scales[j] * sub;
            offs += x.scales[j] * ys.bsums[j];
          }
          acc = std::fma(fp16_to_fp32(x.d) * ys.d, static_cast<float>(sumi - 32 * offs), acc);
        }
        y[t * ldy + k * kRows + r] = acc;
      }
    }
  }
}

}  // namespace

namespace generic {
const InterleavedKernels q6_K_x8{bands::kRows, bands::q6k::pack, bands::q6k::unpack, gemm_q6_K_x8};
}  // namespace generic

}  // namespace hearth::quant
