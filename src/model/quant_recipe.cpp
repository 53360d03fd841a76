#include "model/quant_recipe.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

#include "core/error.h"

namespace hearth::model {

namespace {

using TT = TensorType;

struct FileTypeInfo {
  FileType type;
  std::string_view name;
  TensorType base;  // type of the matrices no rule singles out
};

constexpr std::array<FileTypeInfo, 19> kFileTypes{{
    {FileType::F32, "F32", TT::F32},          {FileType::F16, "F16", TT::F16},
    {FileType::BF16, "BF16", TT::BF16},       {FileType::Q8_0, "Q8_0", TT::Q8_0},
    {FileType::Q6_K, "Q6_K", TT::Q6_K},       {FileType::Q5_K_M, "Q5_K_M", TT::Q5_K},
    {FileType::Q5_K_S, "Q5_K_S", TT::Q5_K},   {FileType::Q5_1, "Q5_1", TT::Q5_1},
    {FileType::Q5_0, "Q5_0", TT::Q5_0},       {FileType::Q4_K_M, "Q4_K_M", TT::Q4_K},
    {FileType::Q4_K_S, "Q4_K_S", TT::Q4_K},   {FileType::Q4_1, "Q4_1", TT::Q4_1},
    {FileType::Q4_0, "Q4_0", TT::Q4_0},       {FileType::IQ4_NL, "IQ4_NL", TT::IQ4_NL},
    {FileType::IQ4_XS, "IQ4_XS", TT::IQ4_XS}, {FileType::Q3_K_L, "Q3_K_L", TT::Q3_K},
    {FileType::Q3_K_M, "Q3_K_M", TT::Q3_K},   {FileType::Q3_K_S, "Q3_K_S", TT::Q3_K},
    {FileType::Q2_K, "Q2_K", TT::Q2_K},
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

bool fits(TensorType t, uint64_t row_length) { return row_length % layout_of(t).block_size == 0; }

// A type whose blocks do not divide the row: the 32-block type taking its
// place, then F16 when even that does not fit.
TensorType fit_row_length(TensorType t, uint64_t row_length) {
  if (fits(t, row_length)) return t;
  TensorType f = t;
  switch (t) {
    case TT::Q2_K: case TT::Q3_K: f = TT::Q4_0; break;
    case TT::IQ4_XS: f = TT::IQ4_NL; break;
    case TT::Q4_K: f = TT::Q5_0; break;
    case TT::Q5_K: f = TT::Q5_1; break;
    case TT::Q6_K: f = TT::Q8_0; break;
    default: break;
  }
  return fits(f, row_length) ? f : TT::F16;
}

TensorType output_type(TensorType base, uint64_t row_length) {
  if (row_length % 256 != 0) return TT::Q8_0;
  return base == TT::Q8_0 ? TT::Q8_0 : TT::Q6_K;
}

TensorType attn_v_type(FileType ft, TensorType base, int64_t layer, const RecipeModel& m) {
  const bool m_recipe = ft == FileType::Q4_K_M || ft == FileType::Q5_K_M;
  switch (ft) {
    case FileType::Q2_K: return m.n_gqa >= 4 ? TT::Q4_K : TT::Q3_K;
    case FileType::Q3_K_M: return layer < 2 ? TT::Q5_K : TT::Q4_K;
    case FileType::Q3_K_L: return TT::Q5_K;
    case FileType::IQ4_NL: case FileType::IQ4_XS: return m.n_gqa >= 4 ? TT::Q5_K : base;
    case FileType::Q4_K_S: return layer < 4 ? TT::Q5_K : base;
    default: return m_recipe && use_more_bits(layer, m.n_layer) ? TT::Q6_K : base;
  }
}

TensorType ffn_down_type(FileType ft, TensorType base, int64_t layer, const RecipeModel& m) {
  const int64_t n = m.n_layer;
  switch (ft) {
    case FileType::Q2_K: return TT::Q3_K;
    case FileType::Q3_K_M: return layer < n / 16 ? TT::Q5_K : TT::Q4_K;
    case FileType::Q3_K_L: return TT::Q5_K;
    case FileType::Q4_K_M: case FileType::Q5_K_M: return use_more_bits(layer, n) ? TT::Q6_K : base;
    case FileType::Q4_K_S: return layer < n / 8 ? TT::Q5_K : base;
    case FileType::IQ4_NL: case FileType::IQ4_XS:
      return !m.has_imatrix && layer < n / 8 ? TT::Q5_K : base;
    case FileType::Q4_0: return m.has_imatrix && layer < n / 8 ? TT::Q4_1 : base;
    case FileType::Q5_0: return m.has_imatrix && layer < n / 8 ? TT::Q5_1 : base;
    default: return base;
  }
}

TensorType attn_output_type(FileType ft, TensorType base) {
  switch (ft) {
    case FileType::Q2_K: return TT::Q3_K;
    case FileType::Q3_K_M: return TT::Q4_K;
    case FileType::Q3_K_L: return TT::Q5_K;
    default: return base;
  }
}

TensorType matrix_type(FileType ft, const ShapeTensor& t, const RecipeModel& m) {
  const TensorType base = info(ft).base;
  // Float file types keep every matrix at the base type: no rule applies.
  if (base == TT::F32 || base == TT::F16 || base == TT::BF16) return base;
  const uint64_t row = t.shape.at(0);
  const bool is_output = t.role == TensorRole::Output || (m.tied && t.role == TensorRole::TokenEmbd);
  if (is_output) return output_type(base, row);
  switch (t.role) {
    case TensorRole::AttnV: return attn_v_type(ft, base, t.layer, m);
    case TensorRole::FfnDown: return ffn_down_type(ft, base, t.layer, m);
    case TensorRole::AttnOutput: return attn_output_type(ft, base);
    default: return base;
  }
}

// "blk.12.ffn_down.weight" -> 12 and "ffn_down.weight"; -1 and the whole name otherwise.
std::pair<int64_t, std::string_view> split_layer(std::string_view name) {
  constexpr std::string_view kPrefix = "blk.";
  if (!name.starts_with(kPrefix)) return {-1, name};
  const std::string_view rest = name.substr(kPrefix.size());
  int64_t layer = -1;
  const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), layer);
  if (ec != std::errc() || end == rest.data() + rest.size() || *end != '.') return {-1, name};
  return {layer, rest.substr(static_cast<size_t>(end - rest.data()) + 1)};
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

TensorType file_type_base(FileType type) { return info(type).base; }

std::string file_type_names() {
  std::string out;
  for (const auto& i : kFileTypes) out += (out.empty() ? "" : ", ") + std::string(i.name);
  return out;
}

FileType file_type_or_throw(std::string_view name) {
  if (const auto t = file_type_from_name(name)) return *t;
  throw Error("unknown file type '" + std::string(name) + "' (known types: " + file_type_names() + ")");
}

TensorType recipe_tensor_type(FileType type, const ShapeTensor& tensor, const RecipeModel& model) {
  if (tensor.role == TensorRole::Norm || tensor.role == TensorRole::Bias) return TT::F32;
  return fit_row_length(matrix_type(type, tensor, model), tensor.shape.at(0));
}

TensorType recipe_tensor_type(FileType type, const ShapeTensor& tensor, int64_t n_layer, bool tied) {
  return recipe_tensor_type(type, tensor, RecipeModel{.n_layer = n_layer, .tied = tied});
}

ShapeTensor classify_tensor(std::string_view name, const std::vector<uint64_t>& shape) {
  static constexpr std::pair<std::string_view, TensorRole> kRoles[] = {
      {"token_embd.weight", TensorRole::TokenEmbd}, {"output.weight", TensorRole::Output},
      {"attn_q.weight", TensorRole::AttnQ},         {"attn_k.weight", TensorRole::AttnK},
      {"attn_v.weight", TensorRole::AttnV},         {"attn_output.weight", TensorRole::AttnOutput},
      {"ffn_gate.weight", TensorRole::FfnGate},     {"ffn_up.weight", TensorRole::FfnUp},
      {"ffn_down.weight", TensorRole::FfnDown},
  };
  const auto [layer, local] = split_layer(name);
  ShapeTensor t{std::string(name), TensorRole::Other, layer, shape};
  if (name.ends_with("_norm.weight")) {
    t.role = TensorRole::Norm;
  } else if (name.ends_with(".bias")) {
    t.role = TensorRole::Bias;
  } else {
    for (const auto& [suffix, role] : kRoles) {
      // Layer tensors must sit in a block, the others must not.
      if (local == suffix && (layer >= 0) == (role != TensorRole::TokenEmbd && role != TensorRole::Output)) {
        t.role = role;
      }
    }
  }
  return t;
}

}  // namespace hearth::model
