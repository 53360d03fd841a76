#include "quant/iq4_common.h"

#include "quant/sym_layout.h"

namespace hearth::quant::iq4 {

// Byte i of qs holds elements i (low nibble) and i + 16 (high nibble); the
// loops walk the bytes rather than the elements (no per-element shifts).

void dequantize_32(const uint8_t* qs, float dl, float* dst) {
  for (int i = 0; i < kQK / 2; ++i) {
    dst[i] = dl * kIQ4NLValues[qs[i] & 0xf];
    dst[i + kQK / 2] = dl * kIQ4NLValues[qs[i] >> 4];
  }
}

int32_t dot_32(const uint8_t* qs, const int8_t* y) {
  int32_t s = 0;
  for (int i = 0; i < kQK / 2; ++i) {
    s += kIQ4NLValues[qs[i] & 0xf] * y[i] + kIQ4NLValues[qs[i] >> 4] * y[i + kQK / 2];
  }
  return s;
}

void pack_32(const uint8_t* q, uint8_t* qs) {
  for (int i = 0; i < kQK / 2; ++i) qs[i] = 0;
  for (int e = 0; e < kQK; ++e) sym::iq4_set_index(qs, e, q[e]);
}

}  // namespace hearth::quant::iq4
