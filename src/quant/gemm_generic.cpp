#include "quant/gemm.h"

namespace hearth::quant::generic {

void gemm_by_vec_dot(VecDotFn dot, int64_t n, const void* w, uint64_t w_stride, int64_t n_rows,
                     const void* a, uint64_t a_stride, int64_t n_tok, float* y, int64_t ldy) {
  const auto* wb = static_cast<const uint8_t*>(w);
  const auto* ab = static_cast<const uint8_t*>(a);
  for (int64_t r = 0; r < n_rows; ++r) {
    const uint8_t* row = wb + static_cast<uint64_t>(r) * w_stride;
    for (int64_t t = 0; t < n_tok; ++t) {
      y[t * ldy + r] = dot(n, row, ab + static_cast<uint64_t>(t) * a_stride);
    }
  }
}

}  // namespace hearth::quant::generic
