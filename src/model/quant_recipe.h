// File types (how a whole model is quantized, numbered as GGUF's
// general.file_type) and the per-tensor type each one gives.
//
// The *_M / *_S recipes follow the public description of the reference
// quantizer's rules:
//   - norms and biases stay F32;
//   - the output projection (token_embd when tied) is Q6_K, unless the base
//     type is F32 / F16 / BF16 / Q8_0, which keep it at the base type;
//   - Q4_K_M, Q5_K_M: attn_v and ffn_down of the "more bits" layers are Q6_K,
//     where a layer i of n gets more bits when i < n/8, i >= 7n/8, or
//     (i - n/8) % 3 == 2 (half of the layers, denser at both ends);
//   - Q4_K_S: attn_v of layers 0..3 and ffn_down of layers below n/8 are Q5_K;
//   - every other matrix has the base type;
//   - a K-quant (blocks of 256) on rows whose length is not a multiple of 256
//     falls back to a 32-block type: Q4_K -> Q5_0, Q5_K -> Q5_1, Q6_K -> Q8_0.
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
  Q4_K_S = 14, Q4_K_M = 15, Q5_K_S = 16, Q5_K_M = 17, Q6_K = 18, BF16 = 32,
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

// The type `tensor` gets in a model of `n_layer` layers quantized as `type`
// (rules above). `tied`: the embedding table is also the output projection.
TensorType recipe_tensor_type(FileType type, const ShapeTensor& tensor, int64_t n_layer, bool tied);

}  // namespace hearth::model
