// Q6_K in bands of 8 rows (layout: quant/q6_K_bands.h): packing, unpacking
// and the scalar reference of the band kernels.
#include "quant/q6_K_bands.h"

#include <cmath>
#include <cstring>

#include "core/fp16.h"
#include "quant/interleave.h"
#include "quant/quant_input.h"
#include "quant/sym_layout.h"

namespace hearth::quant {

namespace bands::q6k {

namespace {

// The index bytes of one group's element l of half h, file <-> band
// (q6_K_bands.h): ql1 = ql[64h + l], ql2 = ql[64h + 32 + l], qh = qh[32h + l].
struct Codes {
  uint8_t ql1, ql2, qh;
};

void encode(Codes c, uint8_t v[3]) {
  const int a = (c.ql1 & 15) | (c.qh & 3) << 4, b = (c.ql2 & 15) | (c.qh >> 2 & 3) << 4;
  const int cc = (c.ql1 >> 4) | (c.qh >> 4 & 3) << 4, d = (c.ql2 >> 4) | (c.qh >> 6) << 4;
  v[0] = static_cast<uint8_t>(a | (d & 3) << 6);
  v[1] = static_cast<uint8_t>(b | (d >> 2 & 3) << 6);
  v[2] = static_cast<uint8_t>(cc | (d >> 4) << 6);
}

Codes decode(const uint8_t v[3]) {
  const int a = v[0] & 63, b = v[1] & 63, cc = v[2] & 63, d = (v[0] >> 6) | (v[1] >> 6) << 2 | (v[2] >> 6) << 4;
  return {static_cast<uint8_t>((a & 15) | (cc & 15) << 4), static_cast<uint8_t>((b & 15) | (d & 15) << 4),
          static_cast<uint8_t>((a >> 4) | (b >> 4) << 2 | (cc >> 4) << 4 | (d >> 4) << 6)};
}

// Calls f(w, i, l', ql1, ql2, qh) for every element slot of a row's
// super-block: group w, byte i of its vectors, and where its file bytes are.
template <typename F>
void for_each_slot(F f) {
  for (int w = 0; w < 16; ++w) {
    const int h = w / 8;
    for (int i = 0; i < kCodeChunk; ++i) {
      const int l = 4 * (w % 8) + i;
      f(w, i, 64 * h + l, 64 * h + 32 + l, 32 * h + l);
    }
  }
}

}  // namespace

void pack(int64_t n, const void* rows, void* band) {
  sym::check_whole_blocks("q6_K bands", n, kQKK);
  const auto* x = static_cast<const BlockQ6_K*>(rows);
  auto* out = static_cast<uint8_t*>(band);
  for_each_superblock<kSuperBlockBytes>(n, kQKK, [&](uint64_t b, uint64_t at, int r) {
    uint8_t* sb = out + at;
    for_each_slot([&](int w, int i, int ql1, int ql2, int qh) {
      uint8_t v[3];
      encode({x[b].ql[ql1], x[b].ql[ql2], x[b].qh[qh]}, v);
      for (int k = 0; k < 3; ++k) sb[code_at(w, k, r, i)] = v[k];
    });
    for (int j = 0; j < kQKK / 16; ++j) sb[scale_byte(r, j)] = static_cast<uint8_t>(x[b].scales[j]);
    std::memcpy(sb + kD + 2 * r, &x[b].d, sizeof(x[b].d));
  });
}

void unpack(int64_t n, const void* band, void* rows) {
  const auto* in = static_cast<const uint8_t*>(band);
  auto* x = static_cast<BlockQ6_K*>(rows);
  for_each_superblock<kSuperBlockBytes>(n, kQKK, [&](uint64_t b, uint64_t at, int r) {
    const uint8_t* sb = in + at;
    for_each_slot([&](int w, int i, int ql1, int ql2, int qh) {
      const uint8_t v[3] = {sb[code_at(w, 0, r, i)], sb[code_at(w, 1, r, i)], sb[code_at(w, 2, r, i)]};
      const Codes c = decode(v);
      x[b].ql[ql1] = c.ql1, x[b].ql[ql2] = c.ql2, x[b].qh[qh] = c.qh;
    });
    for (int j = 0; j < kQKK / 16; ++j) x[b].scales[j] = static_cast<int8_t>(sb[scale_byte(r, j)]);
    std::memcpy(&x[b].d, sb + kD + 2 * r, sizeof(x[b].d));
  });
}

void pack_wide(int64_t n, const void* rows, void* band) {
  bands::pack_wide<kSuperBlockBytes, piece_bytes, kQKK, pack>(n, rows, band);
}
void unpack_wide(int64_t n, const void* band, void* rows) {
  bands::unpack_wide<kSuperBlockBytes, piece_bytes, kQKK, unpack>(n, band, rows);
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
const InterleavedKernels q6_K_x16{
    bands::kWideRows, bands::q6k::pack_wide, bands::q6k::unpack_wide,
    bands::reference_gemm<BlockQ6_K, BlockQ8_K, kQKK, bands::q6k::unpack_wide, step, bands::kWideRows>, nullptr, 0,
    &q6_K_x8};
}  // namespace generic

}  // namespace hearth::quant
