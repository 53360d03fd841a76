#include "gguf/rules.h"

#include <string>

#include "core/error.h"

namespace hearth::gguf {

uint32_t alignment_from(const Value* a) {
  if (a == nullptr) return kDefaultAlignment;
  if (a->type() != ValueType::U32) {
    throw FormatError("general.alignment must be uint32, not " +
                      std::string(value_type_name(a->type())));
  }
  const uint64_t al = a->as_uint();
  if (!is_power_of_two(al)) {
    throw FormatError("general.alignment " + std::to_string(al) + " is not a power of two");
  }
  return static_cast<uint32_t>(al);
}

void check_dim_count(uint64_t n_dims) {
  if (n_dims == 0 || n_dims > kMaxDims) {
    throw FormatError(std::to_string(n_dims) + " dimensions (must be 1 to " +
                      std::to_string(kMaxDims) + ")");
  }
}

TensorSize tensor_size(std::span<const uint64_t> shape, TensorType type) {
  check_dim_count(shape.size());
  TensorSize s;
  s.n_elements = 1;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 0 || shape[d] > kMaxElements) {
      throw FormatError("dimension " + std::to_string(d) + " is " + std::to_string(shape[d]) +
                        " (must be 1 to 2^62)");
    }
    if (__builtin_mul_overflow(s.n_elements, shape[d], &s.n_elements) ||
        s.n_elements > kMaxElements) {
      throw FormatError("element count overflows (more than 2^62 elements)");
    }
  }
  const TensorTypeLayout& layout = layout_of(type);
  if (shape[0] % layout.block_size != 0) {
    throw FormatError("row length " + std::to_string(shape[0]) + " is not a multiple of " +
                      std::string(layout.name) + "'s block size " +
                      std::to_string(layout.block_size));
  }
  if (__builtin_mul_overflow(s.n_elements / layout.block_size, uint64_t{layout.type_size},
                             &s.n_bytes)) {
    throw FormatError("byte size overflows");
  }
  return s;
}

}  // namespace hearth::gguf
