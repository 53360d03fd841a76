// Block quantizers shared by the legacy 4/5-bit formats. One block is kQK
// floats; the result is one code per element plus the block's fp16 scale
// (and minimum), ready for the format to pack into its bit layout.
//
// Without importance weights (w == nullptr) both are plain round-to-nearest
// from the block's extremes, as the formats were designed. With weights
// (w[j] >= 0, the imatrix slice of this block) they search a few candidate
// scales, refit the scale (and minimum) by weighted least squares for each
// rounding, and keep the one with the smallest  sum_j w_j (x_j - x'_j)^2
// measured with the fp16-rounded parameters actually stored. The plain
// rounding is always a candidate, so weights never make that error worse.
#pragma once

#include <cstdint>

#include "quant/blocks.h"

namespace hearth::quant::legacy {

// Symmetric x ~ d * (code - nmax), code in 0 .. 2*nmax-1 (Q4_0: nmax 8,
// Q5_0: nmax 16). Plain rounding: d = x_max / -nmax, with x_max the element
// of largest magnitude (so it lands on the extra negative level).
// Returns the fp16 bits of d.
uint16_t quantize_block_symmetric(const float x[kQK], const float* w, int nmax,
                                  uint8_t code[kQK]);

struct ScaleMin {
  uint16_t d;  // fp16 bits
  uint16_t m;  // fp16 bits
};

// Asymmetric x ~ d * code + m, code in 0 .. qmax (Q4_1: 15, Q5_1: 31).
// Plain rounding: m = min(x), d = (max(x) - min(x)) / qmax.
ScaleMin quantize_block_asymmetric(const float x[kQK], const float* w, int qmax,
                                   uint8_t code[kQK]);

}  // namespace hearth::quant::legacy
