// Q4_K in bands of 8 rows (layout: quant/q4_K_bands.h): packing, unpacking
// and the scalar reference of the band kernels.
#include "quant/q4_K_bands.h"

#include <cmath>
#include <cstring>
#include <vector>

#include "core/fp16.h"
#include "quant/interleave.h"
#include "quant/k_asym.h"
#include "quant/quant_input.h"

namespace hearth::quant {

namespace bands::q4k {

namespace {

constexpr uint64_t kChunk = 4;  // qs bytes per row in one vector of a band

// Calls f(x, at) for every super-block of a band's rows: x its index in the
// rows (r * nsb + s), at the band offset of its super-block, r its row.
template <typename F>
void for_each_superblock(int64_t n, F f) {
  const int64_t nsb = n / kQKK;
  for (int64_t s = 0; s < nsb; ++s) {
    for (int r = 0; r < kRows; ++r) f(static_cast<uint64_t>(r * nsb + s), static_cast<uint64_t>(s) * kSuperBlockBytes, r);
  }
}

}  // namespace

void pack(int64_t n, const void* rows, void* band) {
  sym::check_whole_blocks("q4_K bands", n, kQKK);
  const auto* x = static_cast<const BlockQ4_K*>(rows);
  auto* out = static_cast<uint8_t*>(band);
  for_each_superblock(n, [&](uint64_t i, uint64_t at, int r) {
    uint8_t* sb = out + at;
    std::memcpy(sb + kD + 2 * r, &x[i].d, sizeof(x[i].d));
    std::memcpy(sb + kDmin + 2 * r, &x[i].dmin, sizeof(x[i].dmin));
    uint8_t sc[kSubBlocks], m[kSubBlocks];
    kasym::unpack_scales_mins_6bit(x[i].scales, sc, m);
    for (int j = 0; j < kSubBlocks; ++j) sb[nibble_byte(r, j)] = static_cast<uint8_t>((sc[j] & 15) | (m[j] & 15) << 4);
    for (int j = 0; j < kSubBlocks / 2; ++j) {
      uint8_t h = 0;
      for (const int jj : {j, j + 4}) h |= static_cast<uint8_t>((sc[jj] >> 4) << scale_high_shift(jj) | (m[jj] >> 4) << min_high_shift(jj));
      sb[high_byte(r, j)] = h;
    }
    for (uint64_t j = 0; j < sizeof(x[i].qs); j += kChunk) {
      std::memcpy(sb + code_byte(r, static_cast<int>(j)), &x[i].qs[j], kChunk);
    }
  });
}

void unpack(int64_t n, const void* band, void* rows) {
  const auto* in = static_cast<const uint8_t*>(band);
  auto* x = static_cast<BlockQ4_K*>(rows);
  for_each_superblock(n, [&](uint64_t i, uint64_t at, int r) {
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
    for (uint64_t j = 0; j < sizeof(x[i].qs); j += kChunk) {
      std::memcpy(&x[i].qs[j], sb + code_byte(r, static_cast<int>(j)), kChunk);
    }
  });
}

}  // namespace bands::q4k

namespace {

// The reference: each band back in rows, then the formula of q4_K_bands.h.
void gemm_q4_K_x8(int64_t n, const void* band_data, int64_t n_bands, const void* a, uint64_t a_stride, int64_t n_tok,
                  float* y, int64_t ldy) {
  using bands::kRows;
  const int64_t nsb = n / kQKK;
  std::vector<BlockQ4_K> rows(static_cast<size_t>(kRows * nsb));
  for (int64_t k = 0; k < n_bands; ++k) {
    bands::q4k::unpack(n, static_cast<const uint8_t*>(band_data) + static_cast<uint64_t>(k * nsb) * bands::q4k::kSuperBlockBytes,
                       rows.data());
    for (int64_t t = 0; t < n_tok; ++t) {
      const auto* act = reinterpret_cast<const BlockQ8_K*>(static_cast<const uint8_t*>(a) + t * a_stride);
      for (int r = 0; r < kRows; ++r) {
        float acc = 0.0f;
        for (int64_t s = 0; s < nsb; ++s) {
          const BlockQ4_K& x = rows[static_cast<size_t>(r * nsb + s)];
          const BlockQ8_K& ys = act[s];
          uint8_t sc[8], m[8];
          kasym::unpack_scales_mins_6bit(x.scales, sc, m);
          int32_t sumi = 0, mins = 0;
          for (int j = 0; j < 8; ++j) {
            int32_t sub = 0;
            for (int i = 0; i < 32; ++i) {
              const uint8_t byte = x.qs[32 * (j / 2) + i];
              sub += ((j % 2) ? byte >> 4 : byte & 15) * ys.qs[32 * j + i];
            }
            sumi += sc[j] * sub;
            mins += m[j] * (ys.bsums[2 * j] + ys.bsums[2 * j + 1]);
          }
          acc = std::fma(fp16_to_fp32(x.d) * ys.d, static_cast<float>(sumi), acc);
          acc = std::fma(-(fp16_to_fp32(x.dmin) * ys.d), static_cast<float>(mins), acc);
        }
        y[t * ldy + k * kRows + r] = acc;
      }
    }
  }
}

}  // namespace

namespace generic {
const InterleavedKernels q4_K_x8{bands::kRows, bands::q4k::pack, bands::q4k::unpack, gemm_q4_K_x8};
}  // namespace generic

}  // namespace hearth::quant
