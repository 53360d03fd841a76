// Q4_0 in bands of 8 rows (layout: quant/q4_0_x8.h): packing, unpacking and
// the scalar reference of the band kernels (the formula of quant/interleave.h).
#include <cmath>
#include <cstring>
#include <vector>

#include "core/fp16.h"
#include "quant/interleave.h"
#include "quant/legacy_common.h"
#include "quant/q4_0_x8.h"

namespace hearth::quant {

namespace {

using q4_0_x8::block_at;
using q4_0_x8::code_byte;
using q4_0_x8::kRows;

// Calls f(i, scale, codes) for every block of a band's rows: i the block's
// index in the rows (r * nb + b), scale the band offset of its d, codes[j]
// the band offset of its code byte j.
template <typename F>
void for_each_block(int64_t n, F f) {
  const int64_t nb = legacy::block_count(n);
  for (int64_t b = 0; b < nb; ++b) {
    const q4_0_x8::BlockAt at = block_at(nb, b);
    for (int r = 0; r < kRows; ++r) {
      uint64_t codes[kQK / 2];
      for (int j = 0; j < kQK / 2; ++j) codes[j] = at.codes + code_byte(r, j);
      f(static_cast<uint64_t>(r * nb + b), at.scales + 2 * static_cast<uint64_t>(r), codes);
    }
  }
}

}  // namespace

namespace q4_0_x8 {
void pack(int64_t n, const void* rows, void* band) {
  const auto* x = static_cast<const BlockQ4_0*>(rows);
  auto* out = static_cast<uint8_t*>(band);
  for_each_block(n, [&](uint64_t i, uint64_t scale, const uint64_t (&codes)[kQK / 2]) {
    std::memcpy(out + scale, &x[i].d, sizeof(x[i].d));
    for (int j = 0; j < kQK / 2; ++j) out[codes[j]] = x[i].qs[j];
  });
}

void unpack(int64_t n, const void* band, void* rows) {
  const auto* in = static_cast<const uint8_t*>(band);
  auto* x = static_cast<BlockQ4_0*>(rows);
  for_each_block(n, [&](uint64_t i, uint64_t scale, const uint64_t (&codes)[kQK / 2]) {
    std::memcpy(&x[i].d, in + scale, sizeof(x[i].d));
    for (int j = 0; j < kQK / 2; ++j) x[i].qs[j] = in[codes[j]];
  });
}
}  // namespace q4_0_x8

namespace {
// The reference: each band back in rows, then the formula of interleave.h.
void gemm(int64_t n, const void* bands, int64_t n_bands, const void* a, uint64_t a_stride, int64_t n_tok, float* y,
          int64_t ldy) {
  const int64_t nb = legacy::block_count(n);
  std::vector<BlockQ4_0> rows(static_cast<size_t>(kRows * nb));
  for (int64_t k = 0; k < n_bands; ++k) {
    q4_0_x8::unpack(n, static_cast<const uint8_t*>(bands) + static_cast<uint64_t>(k * nb) * q4_0_x8::kBlockBytes,
                    rows.data());
    for (int64_t t = 0; t < n_tok; ++t) {
      const auto* act = reinterpret_cast<const BlockQ8_0*>(static_cast<const uint8_t*>(a) + t * a_stride);
      for (int r = 0; r < kRows; ++r) {
        float acc = 0.0f;
        for (int64_t b = 0; b < nb; ++b) {
          const BlockQ4_0& x = rows[static_cast<size_t>(r * nb + b)];
          int8_t q[kQK];
          legacy::unpack_nibbles(x.qs, 8, q);
          const float d = fp16_to_fp32(x.d) * fp16_to_fp32(act[b].d);
          acc = std::fma(d, static_cast<float>(legacy::dot_block(q, act[b].qs)), acc);
        }
        y[t * ldy + k * kRows + r] = acc;
      }
    }
  }
}
}  // namespace

namespace generic {
const InterleavedKernels q4_0_x8{kRows, q4_0_x8::pack, q4_0_x8::unpack, gemm};
}  // namespace generic

}  // namespace hearth::quant
