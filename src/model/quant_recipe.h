// File types (how a whole model is quantized, numbered as GGUF's
// general.file_type) and the per-tensor type each one gives.
//
// The recipes reproduce the files the reference quantizer writes (checked
// tensor by tensor against its output in tests/cli/quantize_test.cpp):
//   - 1-D tensors (norms, biases) are never quantized (model/quantize.h);
//   - F32 / F16 / BF16 give every matrix the base type, with no other rule;
//   - the output projection (token_embd when tied) is Q8_0 when its rows are
//     not whole 256-blocks, else Q6_K, unless the base type is Q8_0;
//   - attn_v: Q2_K -> Q3_K (Q4_K when n_head / n_head_kv >= 4);
//     Q3_K_M -> Q5_K in layers 0-1, Q4_K elsewhere; Q3_K_L -> Q5_K;
//     IQ4_NL / IQ4_XS -> Q5_K when n_head / n_head_kv >= 4;
//     Q4_K_M / Q5_K_M -> Q6_K in the "more bits" layers; Q4_K_S -> Q5_K in layers 0-3;
//   - ffn_down: Q2_K -> Q3_K; Q3_K_M -> Q5_K below n/16, else Q4_K; Q3_K_L -> Q5_K;
//     Q4_K_M / Q5_K_M -> Q6_K in the "more bits" layers; Q4_K_S -> Q5_K below n/8;
//     IQ4_NL / IQ4_XS without an imatrix -> Q5_K below n/8;
//     Q4_0 / Q5_0 with an imatrix -> Q4_1 / Q5_1 below n/8;
//   - attn_output: Q2_K -> Q3_K; Q3_K_M -> Q4_K; Q3_K_L -> Q5_K;
//   - every other matrix has the base type.
// Layer i of n gets "more bits" when i < n/8, i >= 7n/8 or (i - n/8) % 3 == 2
// (half of the layers, denser at both ends, where errors hurt most).
// A type whose blocks do not divide the row length falls back: Q2_K, Q3_K ->
// Q4_0; IQ4_XS -> IQ4_NL; Q4_K -> Q5_0; Q5_K -> Q5_1; Q6_K -> Q8_0; and to F16
// when even the fallback's 32-blocks do not fit (e.g. stories260K's rows of 172).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gguf/tensor_type.h"
#include "model/catalog.h"

namespace hearth::model {

enum class FileType : uint32_t {
  F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q8_0 = 7, Q5_0 = 8, Q5_1 = 9,
  Q2_K = 10, Q3_K_S = 11, Q3_K_M = 12, Q3_K_L = 13,
  Q4_K_S = 14, Q4_K_M = 15, Q5_K_S = 16, Q5_K_M = 17, Q6_K = 18,
  IQ4_NL = 25, IQ4_XS = 30, BF16 = 32,
};

// "Q4_K_M" / "q4_k_m" -> type; nullopt when unknown.
std::optional<FileType> file_type_from_name(std::string_view name);
// A general.file_type value -> type; nullopt for values this list lacks.
std::optional<FileType> file_type_from_id(uint64_t id);
std::string_view file_type_name(FileType type);
// "F32, F16, BF16, Q8_0, ..." (for help and error messages).
std::string file_type_names();
// Same as file_type_from_name; throws hearth::Error listing the known names.
FileType file_type_or_throw(std::string_view name);
// The type of the matrices no rule singles out (Q4_K for Q4_K_M).
TensorType file_type_base(FileType type);

// What the rules need to know about the whole model.
struct RecipeModel {
  int64_t n_layer = 0;
  int64_t n_gqa = 1;          // n_head / n_head_kv (query heads per KV head)
  bool tied = false;          // no output.weight: token_embd is also the output projection
  bool has_imatrix = false;   // importance weights are given
};

// The type `tensor` gets in `model` quantized as `type` (rules above). Norms
// and biases get F32.
TensorType recipe_tensor_type(FileType type, const ShapeTensor& tensor, const RecipeModel& model);
// Same, for a catalog shape (grouped-query factor 1: no rule on it applies to
// the recipes the catalog is benched with).
TensorType recipe_tensor_type(FileType type, const ShapeTensor& tensor, int64_t n_layer, bool tied);

// The role and layer of a tensor named as GGUF files name them
// ("blk.3.attn_v.weight" -> AttnV, layer 3). 1-D tensors are Norm (name ends
// in "_norm.weight") or Bias (".bias"); matrices the rules do not know are Other.
ShapeTensor classify_tensor(std::string_view name, const std::vector<uint64_t>& shape);

}  // namespace hearth::model
