// Q4_0 and Q8_0 in bands of 8 rows (layout: quant/legacy_bands.h): packing,
// unpacking and the scalar reference of the band kernels (the formula of
// quant/interleave.h).
#include "quant/legacy_bands.h"

#include <cmath>
#include <cstring>
#include <vector>

#include "core/fp16.h"
#include "quant/interleave.h"
#include "quant/legacy_common.h"

namespace hearth::quant {

namespace bands {

namespace {

// Calls f(i, scale, codes) for every block of a band's rows: i the block's
// index in the rows (r * nb + b), scale the band offset of its d, codes the
// band offset of its qs bytes 0..3 (bytes 4v..4v+3 follow 32 v further:
// code_byte).
template <typename Block, typename F>
void for_each_block(int64_t n, F f) {
  const int64_t nb = legacy::block_count(n);
  for (int64_t b = 0; b < nb; ++b) {
    const BlockAt at = Layout<Block>::block_at(nb, b);
    for (int r = 0; r < kRows; ++r) {
      f(static_cast<uint64_t>(r * nb + b), at.scales + 2 * static_cast<uint64_t>(r), at.codes + code_byte(r, 0));
    }
  }
}

constexpr uint64_t kChunk = 4;  // qs bytes per row in one vector of a band

}  // namespace

template <typename Block>
void pack(int64_t n, const void* rows, void* band) {
  const auto* x = static_cast<const Block*>(rows);
  auto* out = static_cast<uint8_t*>(band);
  for_each_block<Block>(n, [&](uint64_t i, uint64_t scale, uint64_t codes) {
    std::memcpy(out + scale, &x[i].d, sizeof(x[i].d));
    for (uint64_t j = 0; j < Layout<Block>::kRowCodes; j += kChunk) {
      std::memcpy(out + codes + code_byte(0, static_cast<int>(j)), &x[i].qs[j], kChunk);
    }
  });
}

template <typename Block>
void unpack(int64_t n, const void* band, void* rows) {
  const auto* in = static_cast<const uint8_t*>(band);
  auto* x = static_cast<Block*>(rows);
  for_each_block<Block>(n, [&](uint64_t i, uint64_t scale, uint64_t codes) {
    std::memcpy(&x[i].d, in + scale, sizeof(x[i].d));
    for (uint64_t j = 0; j < Layout<Block>::kRowCodes; j += kChunk) {
      std::memcpy(&x[i].qs[j], in + codes + code_byte(0, static_cast<int>(j)), kChunk);
    }
  });
}

template void pack<BlockQ4_0>(int64_t, const void*, void*);
template void pack<BlockQ8_0>(int64_t, const void*, void*);
template void unpack<BlockQ4_0>(int64_t, const void*, void*);
template void unpack<BlockQ8_0>(int64_t, const void*, void*);

}  // namespace bands

namespace {

void values(const BlockQ4_0& x, int8_t q[kQK]) { legacy::unpack_nibbles(x.qs, 8, q); }
void values(const BlockQ8_0& x, int8_t q[kQK]) { std::memcpy(q, x.qs, kQK); }

// The reference: each band back in rows, then the formula of interleave.h.
template <typename Block>
void gemm(int64_t n, const void* band_data, int64_t n_bands, const void* a, uint64_t a_stride, int64_t n_tok,
          float* y, int64_t ldy) {
  const int64_t nb = legacy::block_count(n);
  std::vector<Block> rows(static_cast<size_t>(bands::kRows * nb));
  for (int64_t k = 0; k < n_bands; ++k) {
    bands::unpack<Block>(
        n, static_cast<const uint8_t*>(band_data) + static_cast<uint64_t>(k * nb) * bands::Layout<Block>::kBlockBytes,
        rows.data());
    for (int64_t t = 0; t < n_tok; ++t) {
      const auto* act = reinterpret_cast<const BlockQ8_0*>(static_cast<const uint8_t*>(a) + t * a_stride);
      for (int r = 0; r < bands::kRows; ++r) {
        float acc = 0.0f;
        for (int64_t b = 0; b < nb; ++b) {
          const Block& x = rows[static_cast<size_t>(r * nb + b)];
          int8_t q[kQK];
          values(x, q);
          const float d = fp16_to_fp32(x.d) * fp16_to_fp32(act[b].d);
          acc = std::fma(d, static_cast<float>(legacy::dot_block(q, act[b].qs)), acc);
        }
        y[t * ldy + k * bands::kRows + r] = acc;
      }
    }
  }
}

}  // namespace

namespace generic {
const InterleavedKernels q4_0_x8{bands::kRows, bands::pack<BlockQ4_0>, bands::unpack<BlockQ4_0>, gemm<BlockQ4_0>};
const InterleavedKernels q8_0_x8{bands::kRows, bands::pack<BlockQ8_0>, bands::unpack<BlockQ8_0>, gemm<BlockQ8_0>};
}  // namespace generic

}  // namespace hearth::quant
