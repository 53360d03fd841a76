// What IQ4_NL and IQ4_XS share: the non-linear level set (for the scale
// search of quant/symmetric_search.h), how widely the search looks, and the
// 32-element nibble block both formats are made of.
#pragma once

#include <cstdint>

#include "quant/blocks.h"
#include "quant/symmetric_search.h"

namespace hearth::quant::iq4 {

// kIQ4NLValues as a Levels type (see symmetric_search.h). nearest() is one
// table lookup: every midpoint between neighbouring levels is a multiple of
// 0.5 (the levels are integers), so the cells [k/2, (k+1)/2) never straddle a
// midpoint and a 512-entry table indexed by floor(2t) is exact. The clamp is
// written so a NaN lands on the lowest level.
struct NonLinearLevels {
  float v[16];
  uint8_t cell[512];  // cell[k] = nearest level of t in [(k - 256) / 2, (k - 255) / 2)

  static constexpr int count() { return 16; }
  float value(int i) const { return v[i]; }
  int nearest(float t) const {
    float c = t > -128.0f ? t : -128.0f;
    c = c < 127.5f ? c : 127.5f;
    return cell[static_cast<int>(2.0f * c + 256.0f)];
  }
};

inline constexpr NonLinearLevels kLevels = [] {
  NonLinearLevels l{};
  for (int i = 0; i < 16; ++i) l.v[i] = kIQ4NLValues[i];
  for (int k = 0; k < 512; ++k) {
    const float lo = static_cast<float>(k - 256) / 2.0f;  // any point of the cell
    int best = 0;
    for (int i = 1; i < 16; ++i) {
      if (2.0f * lo + 0.5f > l.v[i] + l.v[i - 1])
        best = i;  // cell midpoint past the level midpoint
    }
    l.cell[k] = static_cast<uint8_t>(best);
  }
  return l;
}();

// Block-scale search for a 32-element nibble block. The non-linear levels make
// the max-abs scale poor, so the fan is wide (+-25%). Tuned on the tiny-llama
// attn_k: RMSE 0.96x the reference; denser fans gain < 0.1% at 2x the time.
inline constexpr sym::SearchParams kBlockSearch{6, 0.25f, 2};

// Value of a 32-element nibble block: dst[e] = dl * kIQ4NLValues[index e].
void dequantize_32(const uint8_t* qs, float dl, float* dst);
// Integer dot of a 32-element nibble block with 32 int8 activations.
int32_t dot_32(const uint8_t* qs, const int8_t* y);
// Packs 32 level indices (0..15) into 16 bytes (qs is overwritten).
void pack_32(const uint8_t* q, uint8_t* qs);

}  // namespace hearth::quant::iq4
