// Bit layouts of the symmetric formats, element by element: where the level
// index of element e and the scale of sub-block j live inside a block.
// One place for the packing rules, used by the scalar dequantizers, the scalar
// dots and the quantizers (the AVX2 dots unpack whole vectors at once and say
// which rule they mirror). e is the element index inside the block; the
// *_values functions unpack a whole block. Also the 16-element integer dot
// of the scalar K dots and their shared loop.
#pragma once

#include <cstdint>

#include "core/fp16.h"
#include "quant/blocks.h"

namespace hearth::quant::sym {

// ---- Q6_K: 256 elements as two halves of 128. Element e = 128h + 32k + l
// (k 0..3, l 0..31): low nibble in ql[64h + l + 32(k&1)] (low half of the byte
// for k < 2, high half for k >= 2), two high bits in qh[32h + l] bits 2k..2k+1.
// Index 0..63, value index - 32; sub-block scale scales[e / 16].
// All 256 values (index - 32) in element order. The loops follow the layout
// (no per-element division), so the scalar dot and dequantizer stay cheap.
inline void q6_K_values(const BlockQ6_K& b, int8_t out[kQKK]) {
  for (int h = 0; h < 2; ++h) {
    for (int k = 0; k < 4; ++k) {
      const uint8_t* ql = b.ql + 64 * h + 32 * (k & 1);
      const uint8_t* qh = b.qh + 32 * h;
      for (int l = 0; l < 32; ++l) {
        const int lo = (ql[l] >> (4 * (k / 2))) & 0xf;
        const int hi = (qh[l] >> (2 * k)) & 3;
        out[128 * h + 32 * k + l] = static_cast<int8_t>((lo | (hi << 4)) - 32);
      }
    }
  }
}
inline void q6_K_set_index(BlockQ6_K& b, int e, int q) {
  const int h = e / 128, k = (e % 128) / 32, l = e % 32;
  b.ql[64 * h + l + 32 * (k & 1)] |= static_cast<uint8_t>((q & 0xf) << (4 * (k / 2)));
  b.qh[32 * h + l] |= static_cast<uint8_t>((q >> 4) << (2 * k));
}

// ---- Q3_K: element e = 128h + 32j + l: two low bits in qs[32h + l] bits
// 2j..2j+1, third bit in hmask[l] bit 4h + j. Index 0..7, value index - 4
// (the format says: low bits minus 4 unless the hmask bit is set).
// All 256 values (index - 4) in element order, following the layout.
inline void q3_K_values(const BlockQ3_K& b, int8_t out[kQKK]) {
  for (int h = 0; h < 2; ++h) {
    for (int j = 0; j < 4; ++j) {
      for (int l = 0; l < 32; ++l) {
        const int lo = (b.qs[32 * h + l] >> (2 * j)) & 3;
        const int hi = (b.hmask[l] >> (4 * h + j)) & 1;
        out[128 * h + 32 * j + l] = static_cast<int8_t>((lo | (hi << 2)) - 4);
      }
    }
  }
}
inline void q3_K_set_index(BlockQ3_K& b, int e, int q) {
  const int h = e / 128, j = (e % 128) / 32, l = e % 32;
  b.qs[32 * h + l] |= static_cast<uint8_t>((q & 3) << (2 * j));
  b.hmask[l] |= static_cast<uint8_t>((q >> 2) << (4 * h + j));
}
// Q3_K scale of sub-block j (0..15), stored as 6 bits biased by 32: low four
// bits in the low (j < 8) or high (j >= 8) nibble of scales[j % 8], high two
// bits in scales[8 + j % 4] bits 2(j / 4)..2(j / 4)+1. Returns the signed scale.
inline int q3_K_scale(const uint8_t* scales, int j) {
  const int lo = (scales[j % 8] >> (4 * (j / 8))) & 0xf;
  const int hi = (scales[8 + j % 4] >> (2 * (j / 4))) & 3;
  return (lo | (hi << 4)) - 32;
}
inline void q3_K_set_scale(uint8_t* scales, int j, int c) {
  const int u = c + 32;
  scales[j % 8] |= static_cast<uint8_t>((u & 0xf) << (4 * (j / 8)));
  scales[8 + j % 4] |= static_cast<uint8_t>((u >> 4) << (2 * (j / 4)));
}

// ---- IQ4 nibbles (IQ4_NL block, IQ4_XS sub-block): 32 elements in 16 bytes,
// byte i holds element i (low nibble) and element i + 16 (high nibble).
inline int iq4_index(const uint8_t* qs, int e) { return (qs[e % 16] >> (4 * (e / 16))) & 0xf; }
inline void iq4_set_index(uint8_t* qs, int e, int q) {
  qs[e % 16] |= static_cast<uint8_t>(q << (4 * (e / 16)));
}

// ---- IQ4_XS scale of sub-block j (0..7), 6 bits biased by 32: low four bits
// in nibble j % 2 of scales_l[j / 2], high two bits in scales_h bits 2j..2j+1.
inline int iq4_xs_scale(const BlockIQ4_XS& b, int j) {
  const int lo = (b.scales_l[j / 2] >> (4 * (j % 2))) & 0xf;
  const int hi = (b.scales_h >> (2 * j)) & 3;
  return (lo | (hi << 4)) - 32;
}
inline void iq4_xs_set_scale(BlockIQ4_XS& b, int j, int c) {
  const int u = c + 32;
  b.scales_l[j / 2] |= static_cast<uint8_t>((u & 0xf) << (4 * (j % 2)));
  b.scales_h = static_cast<uint16_t>(b.scales_h | ((u >> 4) << (2 * j)));
}

// Integer dot of 16 values with 16 int8 activations (one K sub-block).
inline int32_t dot_16(const int8_t* v, const int8_t* y) {
  int32_t s = 0;
  for (int i = 0; i < 16; ++i) s += v[i] * y[i];
  return s;
}

// The scalar dot of a symmetric K format (Q3_K, Q6_K: 16 sub-blocks of 16,
// x = d * scale[j] * value) with Q8_K activations, n a multiple of 256.
// `values(block, int8_t[256])` unpacks a block's values, `scale(block, j)`
// gives sub-block j's integer scale. Integer sums per block (exact), one
// float multiply-add per block, so the result does not depend on how a
// format packs its bits.
template <class Block, class Values, class Scale>
float dot_sym_K_q8_K(int64_t n, const Block* x, const BlockQ8_K* y, Values values, Scale scale) {
  float sum = 0.0f;
  for (int64_t i = 0; i < n / kQKK; ++i) {
    int8_t v[kQKK];
    values(x[i], v);
    int32_t sumi = 0;
    for (int j = 0; j < kQKK / 16; ++j) sumi += scale(x[i], j) * dot_16(v + j * 16, y[i].qs + j * 16);
    sum += fp16_to_fp32(x[i].d) * y[i].d * static_cast<float>(sumi);
  }
  return sum;
}

}  // namespace hearth::quant::sym
