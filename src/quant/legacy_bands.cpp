// Q4_0 and Q8_0 in bands of 8 and 16 rows (layout: quant/legacy_bands.h): packing,
// unpacking and the scalar reference of the band kernels (the formula of
// quant/interleave.h).
#include "quant/legacy_bands.h"

#include <cmath>
#include <cstring>

#include "core/fp16.h"
#include "quant/interleave.h"
#include "quant/legacy_common.h"

namespace hearth::quant {

namespace bands {

namespace {

// Calls f(i, scale, codes) for every block of a band's rows: i the block's
// index in the rows (r * nb + b), scale the band offset of its d, codes the
// band offset of its qs bytes 0..3 (bytes 4v..4v+3 follow 4 kBandRows v
// further: code_byte).
template <typename Block, int kBandRows, typename F>
void for_each_block(int64_t n, F f) {
  const int64_t nb = legacy::block_count(n);
  for (int64_t b = 0; b < nb; ++b) {
    const BlockAt at = Layout<Block, kBandRows>::block_at(nb, b);
    for (int r = 0; r < kBandRows; ++r) {
      f(static_cast<uint64_t>(r * nb + b), at.scales + 2 * static_cast<uint64_t>(r),
        at.codes + code_byte(r, 0, kBandRows));
    }
  }
}

}  // namespace

template <typename Block, int kBandRows>
void pack(int64_t n, const void* rows, void* band) {
  const auto* x = static_cast<const Block*>(rows);
  auto* out = static_cast<uint8_t*>(band);
  for_each_block<Block, kBandRows>(n, [&](uint64_t i, uint64_t scale, uint64_t codes) {
    std::memcpy(out + scale, &x[i].d, sizeof(x[i].d));
    for (uint64_t j = 0; j < Layout<Block>::kRowCodes; j += kCodeChunk) {
      std::memcpy(out + codes + code_byte(0, static_cast<int>(j), kBandRows), &x[i].qs[j], kCodeChunk);
    }
  });
}

template <typename Block, int kBandRows>
void unpack(int64_t n, const void* band, void* rows) {
  const auto* in = static_cast<const uint8_t*>(band);
  auto* x = static_cast<Block*>(rows);
  for_each_block<Block, kBandRows>(n, [&](uint64_t i, uint64_t scale, uint64_t codes) {
    std::memcpy(&x[i].d, in + scale, sizeof(x[i].d));
    for (uint64_t j = 0; j < Layout<Block>::kRowCodes; j += kCodeChunk) {
      std::memcpy(&x[i].qs[j], in + codes + code_byte(0, static_cast<int>(j), kBandRows), kCodeChunk);
    }
  });
}

template void pack<BlockQ4_0, kRows>(int64_t, const void*, void*);
template void pack<BlockQ8_0, kRows>(int64_t, const void*, void*);
template void unpack<BlockQ4_0, kRows>(int64_t, const void*, void*);
template void unpack<BlockQ8_0, kRows>(int64_t, const void*, void*);
template void pack<BlockQ4_0, kWideRows>(int64_t, const void*, void*);
template void pack<BlockQ8_0, kWideRows>(int64_t, const void*, void*);
template void unpack<BlockQ4_0, kWideRows>(int64_t, const void*, void*);
template void unpack<BlockQ8_0, kWideRows>(int64_t, const void*, void*);

}  // namespace bands

namespace {

void values(const BlockQ4_0& x, int8_t q[kQK]) { legacy::unpack_nibbles(x.qs, 8, q); }
void values(const BlockQ8_0& x, int8_t q[kQK]) { std::memcpy(q, x.qs, kQK); }

// The reference (bands.h), a block's step the formula of interleave.h.
template <typename Block>
float step(const Block& x, const BlockQ8_0& y, float acc) {
  int8_t q[kQK];
  values(x, q);
  const float d = fp16_to_fp32(x.d) * fp16_to_fp32(y.d);
  return std::fma(d, static_cast<float>(legacy::dot_block(q, y.qs)), acc);
}

template <typename Block, int kBandRows = bands::kRows>
constexpr BandGemmFn kReference =
    bands::reference_gemm<Block, BlockQ8_0, kQK, bands::unpack<Block, kBandRows>, step<Block>, kBandRows>;

template <typename Block, int kBandRows = bands::kRows>
constexpr InterleavedKernels reference_table(const InterleavedKernels* narrower = nullptr) {
  return {kBandRows, bands::pack<Block, kBandRows>, bands::unpack<Block, kBandRows>, kReference<Block, kBandRows>,
          nullptr, 0, narrower};
}

}  // namespace

namespace generic {
const InterleavedKernels q4_0_x8 = reference_table<BlockQ4_0>();
const InterleavedKernels q8_0_x8 = reference_table<BlockQ8_0>();
const InterleavedKernels q4_0_x16 = reference_table<BlockQ4_0, bands::kWideRows>(&q4_0_x8);
const InterleavedKernels q8_0_x16 = reference_table<BlockQ8_0, bands::kWideRows>(&q8_0_x8);
}  // namespace generic

}  // namespace hearth::quant
