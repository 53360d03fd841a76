#include "gguf/tensor_type.h"

#include <array>
#include <cctype>
#include <string>

#include "core/error.h"

namespace hearth {

namespace {

// Block sizes and byte counts are those of the GGUF specification.
constexpr std::array kLayouts{
    TensorTypeLayout{TensorType::F32, "F32", 1, 4},
    TensorTypeLayout{TensorType::F16, "F16", 1, 2},
    TensorTypeLayout{TensorType::Q4_0, "Q4_0", 32, 2 + 16},
    TensorTypeLayout{TensorType::Q4_1, "Q4_1", 32, 2 + 2 + 16},
    TensorTypeLayout{TensorType::Q5_0, "Q5_0", 32, 2 + 4 + 16},
    TensorTypeLayout{TensorType::Q5_1, "Q5_1", 32, 2 + 2 + 4 + 16},
    TensorTypeLayout{TensorType::Q8_0, "Q8_0", 32, 2 + 32},
    TensorTypeLayout{TensorType::Q8_1, "Q8_1", 32, 4 + 32},
    TensorTypeLayout{TensorType::Q2_K, "Q2_K", 256, 16 + 64 + 2 + 2},
    TensorTypeLayout{TensorType::Q3_K, "Q3_K", 256, 32 + 64 + 12 + 2},
    TensorTypeLayout{TensorType::Q4_K, "Q4_K", 256, 2 + 2 + 12 + 128},
    TensorTypeLayout{TensorType::Q5_K, "Q5_K", 256, 2 + 2 + 12 + 32 + 128},
    TensorTypeLayout{TensorType::Q6_K, "Q6_K", 256, 128 + 64 + 16 + 2},
    TensorTypeLayout{TensorType::Q8_K, "Q8_K", 256, 4 + 256 + 32},
    TensorTypeLayout{TensorType::IQ2_XXS, "IQ2_XXS", 256, 2 + 64},
    TensorTypeLayout{TensorType::IQ2_XS, "IQ2_XS", 256, 2 + 64 + 8},
    TensorTypeLayout{TensorType::IQ3_XXS, "IQ3_XXS", 256, 2 + 96},
    TensorTypeLayout{TensorType::IQ1_S, "IQ1_S", 256, 2 + 32 + 16},
    TensorTypeLayout{TensorType::IQ4_NL, "IQ4_NL", 32, 2 + 16},
    TensorTypeLayout{TensorType::IQ3_S, "IQ3_S", 256, 2 + 64 + 32 + 8 + 4},
    TensorTypeLayout{TensorType::IQ2_S, "IQ2_S", 256, 2 + 64 + 16},
    TensorTypeLayout{TensorType::IQ4_XS, "IQ4_XS", 256, 2 + 2 + 4 + 128},
    TensorTypeLayout{TensorType::I8, "I8", 1, 1},
    TensorTypeLayout{TensorType::I16, "I16", 1, 2},
    TensorTypeLayout{TensorType::I32, "I32", 1, 4},
    TensorTypeLayout{TensorType::I64, "I64", 1, 8},
    TensorTypeLayout{TensorType::F64, "F64", 1, 8},
    TensorTypeLayout{TensorType::IQ1_M, "IQ1_M", 256, 32 + 16 + 8},
    TensorTypeLayout{TensorType::BF16, "BF16", 1, 2},
    TensorTypeLayout{TensorType::TQ1_0, "TQ1_0", 256, 48 + 4 + 2},
    TensorTypeLayout{TensorType::TQ2_0, "TQ2_0", 256, 64 + 2},
    TensorTypeLayout{TensorType::MXFP4, "MXFP4", 32, 1 + 16},
};

}  // namespace

std::optional<TensorTypeLayout> tensor_type_layout(uint32_t type_id) {
  for (const auto& l : kLayouts) {
    if (static_cast<uint32_t>(l.type) == type_id) return l;
  }
  return std::nullopt;
}

const TensorTypeLayout& layout_of(TensorType type) {
  for (const auto& l : kLayouts) {
    if (l.type == type) return l;
  }
  throw Error("unknown tensor type id " + std::to_string(static_cast<uint32_t>(type)));
}

std::string_view tensor_type_name(TensorType type) { return layout_of(type).name; }

std::optional<TensorType> tensor_type_from_name(std::string_view name) {
  std::string upper(name);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const auto& l : kLayouts) {
    if (l.name == upper) return l.type;
  }
  return std::nullopt;
}

}  // namespace hearth
