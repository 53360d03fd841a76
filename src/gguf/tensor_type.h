// Tensor element types as numbered by the GGUF format (ggml_type), with the
// block layout of each: how many elements a block holds and its size in bytes.
// This is container-level knowledge (needed to size and validate tensors);
// the maths of each format lives in src/quant.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace hearth {

enum class TensorType : uint32_t {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  // 4 and 5 (Q4_2, Q4_3) were removed from the format.
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  IQ2_XXS = 16,
  IQ2_XS = 17,
  IQ3_XXS = 18,
  IQ1_S = 19,
  IQ4_NL = 20,
  IQ3_S = 21,
  IQ2_S = 22,
  IQ4_XS = 23,
  I8 = 24,
  I16 = 25,
  I32 = 26,
  I64 = 27,
  F64 = 28,
  IQ1_M = 29,
  BF16 = 30,
  TQ1_0 = 34,
  TQ2_0 = 35,
  MXFP4 = 39,
};

struct TensorTypeLayout {
  TensorType type;
  std::string_view name;   // "Q4_K", as the format and tools spell it
  uint32_t block_size;     // elements per block (1 for plain types)
  uint32_t type_size;      // bytes per block
};

// Layout of a known type id, or nullopt for ids the format does not define.
std::optional<TensorTypeLayout> tensor_type_layout(uint32_t type_id);
// Same, for a type known to be valid.
const TensorTypeLayout& layout_of(TensorType type);
std::string_view tensor_type_name(TensorType type);
// Parse "Q4_K" / "q4_k" -> type; nullopt if unknown.
std::optional<TensorType> tensor_type_from_name(std::string_view name);

// Bytes of a row of n elements; n must be a multiple of the block size.
inline uint64_t row_bytes(const TensorTypeLayout& l, uint64_t n) {
  return n / l.block_size * l.type_size;
}

}  // namespace hearth
