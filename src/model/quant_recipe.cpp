#include "model/quant_recipe.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "core/error.h"

namespace hearth::model {

namespace {

struct FileTypeInfo {
  FileType type;
  std::string_view name;
  TensorType base;  // type of the matrices no rule singles out
};

constexpr std::array<FileTypeInfo, 13> kFileTypes{{
    {FileType::F32, "F32", TensorType::F32},         {FileType::F16, "F16", TensorType::F16},
    {FileType::BF16, "BF16", TensorType::BF16},      {FileType::Q8_0, "Q8_0", TensorType::Q8_0},
    {FileType::Q6_K, "Q6_K", TensorType::Q6_K},      {FileType::Q5_K_M, "Q5_K_M", TensorType::Q5_K},
    {FileType::Q5_K_S, "Q5_K_S", TensorType::Q5_K},  {FileType::Q5_1, "Q5_1", TensorType::Q5_1},
    {FileType::Q5_0, "Q5_0", TensorType::Q5_0},      {FileType::Q4_K_M, "Q4_K_M", TensorType::Q4_K},
    {FileType::Q4_K_S, "Q4_K_S", TensorType::Q4_K},  {FileType::Q4_1, "Q4_1", TensorType::Q4_1},
    {FileType::Q4_0, "Q4_0", TensorType::Q4_0},
}};

const FileTypeInfo& info(FileType type) {
  for (const auto& i : kFileTypes) {
    if (i.type == type) return i;
  }
  throw Error("file type " + std::to_string(static_cast<uint32_t>(type)) + " has no recipe");
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) == std::toupper(static_cast<unsigned char>(y));
         });
}

// Half of the layers, denser at both ends, where quantization error hurts most.
bool use_more_bits(int64_t layer, int64_t n_layer) {
  return layer < n_layer / 8 || layer >= 7 * n_layer / 8 || (layer - n_layer / 8) % 3 == 2;
}

// K-quants need rows of whole 256-blocks; they fall back to 32-block types.
TensorType fallback_type(TensorType t) {
  switch (t) {
    case TensorType::Q4_K: return TensorType::Q5_0;
    case TensorType::Q5_K: return TensorType::Q5_1;
    case TensorType::Q6_K: return TensorType::Q8_0;
    default: return t;
  }
}

TensorType fit_row_length(TensorType t, const ShapeTensor& tensor) {
  const uint64_t n = tensor.shape.at(0);
  const auto fits = [n](TensorType x) { return n % layout_of(x).block_size == 0; };
  if (fits(t)) return t;
  const TensorType f = fallback_type(t);
  if (fits(f)) return f;
  throw Error("tensor '" + tensor.name + "': rows of " + std::to_string(n) + " elements fit no " +
              std::string(tensor_type_name(t)) + " blocks" +
              (f != t ? " nor " + std::string(tensor_type_name(f)) + " blocks" : std::string()));
}

TensorType matrix_type(FileType ft, const ShapeTensor& t, int64_t n_layer, bool tied) {
  const TensorType base = info(ft).base;
  const bool keeps_output = base == TensorType::F32 || base == TensorType::F16 ||
                            base == TensorType::BF16 || base == TensorType::Q8_0;
  const bool is_output = t.role == TensorRole::Output || (tied && t.role == TensorRole::TokenEmbd);
  if (is_output) return keeps_output ? base : TensorType::Q6_K;
  const bool m_recipe = ft == FileType::Q4_K_M || ft == FileType::Q5_K_M;
  if (t.role == TensorRole::AttnV) {
    if (m_recipe && use_more_bits(t.layer, n_layer)) return TensorType::Q6_K;
    if (ft == FileType::Q4_K_S && t.layer < 4) return TensorType::Q5_K;
  }
  if (t.role == TensorRole::FfnDown) {
    if (m_recipe && use_more_bits(t.layer, n_layer)) return TensorType::Q6_K;
    if (ft == FileType::Q4_K_S && t.layer < n_layer / 8) return TensorType::Q5_K;
  }
  return base;
}

}  // namespace

std::optional<FileType> file_type_from_name(std::string_view name) {
  for (const auto& i : kFileTypes) {
    if (iequals(i.name, name)) return i.type;
  }
  return std::nullopt;
}

std::optional<FileType> file_type_from_id(uint64_t id) {
  for (const auto& i : kFileTypes) {
    if (static_cast<uint64_t>(i.type) == id) return i.type;
  }
  return std::nullopt;
}

std::string_view file_type_name(FileType type) { return info(type).name; }

std::string file_type_names() {
  std::string out;
  for (const auto& i : kFileTypes) out += (out.empty() ? "" : ", ") + std::string(i.name);
  return out;
}

FileType file_type_or_throw(std::string_view name) {
  if (const auto t = file_type_from_name(name)) return *t;
  throw Error("unknown file type '" + std::string(name) + "' (known types: " + file_type_names() + ")");
}

TensorType recipe_tensor_type(FileType type, const ShapeTensor& tensor, int64_t n_layer, bool tied) {
  if (tensor.role == TensorRole::Norm || tensor.role == TensorRole::Bias) return TensorType::F32;
  return fit_row_length(matrix_type(type, tensor, n_layer, tied), tensor);
}

}  // namespace hearth::model
