// Activation rows as the best table's kernels read them. The tests quantize
// activations with the scalar reference (its vec_dot_type rows); a kernel
// with side data (TypeTraits::act_extras, e.g. the AVX-512 VNNI Q4_0 dot)
// reads them after each row, so the rows are copied into rows of
// activation_row_bytes and completed by add_activation_extras, as
// compute::matmul's quantize_activation does.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "quant/type_traits.h"

namespace hearth::quant::test {

// n_rows rows of n elements, `plain_stride` bytes apart in `plain`, as `tr`'s
// vec_dot and gemm read them: activation_row_bytes(tr, n) apart.
inline std::vector<uint8_t> as_read_by(const TypeTraits& tr, const std::vector<uint8_t>& plain, uint64_t plain_stride,
                                       int64_t n_rows, int64_t n) {
  const uint64_t stride = activation_row_bytes(tr, n);
  std::vector<uint8_t> out(stride * static_cast<uint64_t>(n_rows));
  for (int64_t r = 0; r < n_rows; ++r) {
    uint8_t* row = out.data() + static_cast<uint64_t>(r) * stride;
    std::memcpy(row, plain.data() + static_cast<uint64_t>(r) * plain_stride, plain_stride);
    add_activation_extras(tr, row, n);
  }
  return out;
}

// One row.
inline std::vector<uint8_t> as_read_by(const TypeTraits& tr, const std::vector<uint8_t>& plain, int64_t n) {
  return as_read_by(tr, plain, plain.size(), 1, n);
}

}  // namespace hearth::quant::test
