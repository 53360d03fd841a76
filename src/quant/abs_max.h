// The largest |x| of a block, as the activation quantizers (Q8_0, Q8_K) take it.
#pragma once

#include <cmath>
#include <cstdint>

namespace hearth::quant {

// max |x[i]| over n elements (n a multiple of 8), NaNs skipped, 0 for an
// empty or all-NaN block. Hot: every activation row of every matmul goes
// through it, so it is shaped to vectorise: selects in 8 independent lanes,
// then the lanes' maximum (std::fmax would give the same maximum, but is a
// libm call per element that stops the compiler).
inline float abs_max(const float* x, int n) {
  float lane_max[8] = {};
  for (int i = 0; i < n; i += 8) {
    for (int k = 0; k < 8; ++k) {
      const float a = std::fabs(x[i + k]);
      lane_max[k] = a > lane_max[k] ? a : lane_max[k];  // a select; NaN is skipped
    }
  }
  float amax = 0;
  for (const float a : lane_max) amax = a > amax ? a : amax;
  return amax;
}

}  // namespace hearth::quant
