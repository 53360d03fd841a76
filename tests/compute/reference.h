// Shared helpers of the compute tests: random quantized rows and the scalar
// reference dot with its error bound.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "gguf/tensor_type.h"
#include "quant/type_traits.h"

namespace hearth::compute::test {

// n_rows rows of n random normal floats, quantized to `type` (generic quantizer).
inline std::vector<uint8_t> random_rows(TensorType type, int64_t n_rows, int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist;
  std::vector<float> src(static_cast<size_t>(n));
  const uint64_t rb = row_bytes(layout_of(type), static_cast<uint64_t>(n));
  std::vector<uint8_t> out(rb * static_cast<uint64_t>(n_rows));
  for (int64_t r = 0; r < n_rows; ++r) {
    for (auto& v : src) v = dist(rng);
    quant::generic_traits(type).quantize(src.data(), out.data() + r * rb, n, nullptr);
  }
  return out;
}

// Dot of a weight row and an activation row (already in the vec_dot type)
// with the scalar reference kernel, and the bound on how far an optimised
// kernel may differ: both sum the same exact per-block integer products in
// float, only in another order, so the difference is a few float roundings
// of partial sums, each at most 2^-24 of sum |w_i a_i| (computed in double
// from the dequantized rows). 1e-5 allows ~170 such roundings, more than the
// number of blocks in the rows tested (<= 64).
struct RefDot {
  float value;
  double bound;
};

inline RefDot reference_dot(TensorType wtype, int64_t n, const uint8_t* w, const uint8_t* a) {
  const auto& tr = quant::generic_traits(wtype);
  std::vector<float> wf(static_cast<size_t>(n)), af(static_cast<size_t>(n));
  tr.dequantize(w, wf.data(), n);
  quant::generic_traits(tr.vec_dot_type).dequantize(a, af.data(), n);
  double abs_sum = 0;
  for (int64_t i = 0; i < n; ++i) abs_sum += std::fabs(double(wf[i]) * af[i]);
  return {tr.vec_dot(n, w, a), 1e-5 * abs_sum + 1e-6};
}

}  // namespace hearth::compute::test
