// Format rules shared by the GGUF reader and writer, so both accept exactly
// the same files. All arithmetic is overflow-checked: the numbers come from
// untrusted files.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "gguf/tensor_type.h"
#include "gguf/value.h"

namespace hearth::gguf {

inline constexpr uint32_t kDefaultAlignment = 32;
inline constexpr size_t kMaxDims = 4;
inline constexpr int kMaxArrayNesting = 8;
// Largest element count (and dimension) accepted: leaves headroom so byte
// counts of every type fit in 64 bits after a checked multiply.
inline constexpr uint64_t kMaxElements = uint64_t{1} << 62;

// `value` rounded up to a multiple of `alignment` (a power of two, > 0), or
// nullopt when that would not fit in 64 bits.
inline std::optional<uint64_t> align_up(uint64_t value, uint64_t alignment) {
  const uint64_t mask = alignment - 1;
  uint64_t sum = 0;
  if (__builtin_add_overflow(value, mask, &sum)) return std::nullopt;
  return sum & ~mask;
}

inline bool is_power_of_two(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

// The alignment a general.alignment value sets (kDefaultAlignment when the key
// is absent). Throws FormatError unless it is a uint32 power of two.
uint32_t alignment_from(const Value* general_alignment);

// Throws FormatError unless 1 <= n_dims <= kMaxDims.
void check_dim_count(uint64_t n_dims);

struct TensorSize {
  uint64_t n_elements = 0;
  uint64_t n_bytes = 0;
};

// Elements and bytes of a tensor of `type` with dimensions `shape` (ne[0]
// innermost). Throws FormatError for 0 or more than kMaxDims dimensions, a
// zero dimension, more than kMaxElements elements, or a row length that is
// not a multiple of the type's block size.
TensorSize tensor_size(std::span<const uint64_t> shape, TensorType type);

}  // namespace hearth::gguf
