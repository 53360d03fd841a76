// Hugging Face checkpoint -> GGUF (`hearth convert`): llama, mistral, qwen2
// and qwen3 families, safetensors weights in F32/F16/BF16.
//
// Reads DIR/config.json (model/convert/hf_config.h), the tokenizer files
// (model/convert/hf_vocab.h) and the safetensors (model/convert/checkpoint.h),
// renames tensors (model/convert/tensor_names.h), permutes llama q/k rows
// (below), and writes OUT with gguf::Writer, one tensor at a time (so memory
// stays at about one tensor in f32). 1-D tensors (norms, biases) are F32;
// matrices take the requested type (Q8_0 rows that are not a multiple of 32
// fall back to F16). The output appears only when complete (Writer commits
// by rename).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "gguf/tensor_type.h"

namespace hearth::model {

struct ConvertOptions {
  std::filesystem::path hf_dir;
  std::filesystem::path out;
  TensorType type = TensorType::F16;  // F32, F16, BF16 or Q8_0
};

struct ConvertResult {
  std::string model_type;             // config.json's, e.g. "mistral"
  std::string arch;                   // GGUF architecture, e.g. "llama"
  std::vector<std::string> shards;    // safetensors files read
  std::string tokenizer;              // tokenizer.ggml.model written
  int64_t n_vocab = 0;
  int64_t n_tensors = 0;
  uint64_t n_params = 0;
  uint64_t file_size = 0;
  std::map<std::string, int64_t> tensors_by_type;  // "F32" -> count
};

// GGUF general.file_type for a --type (F32 0, F16 1, Q8_0 7, BF16 32).
uint32_t file_type_of(TensorType type);

// Throws IoError / FormatError / UnsupportedError naming the file or tensor;
// UnsupportedError for a type other than F32/F16/BF16/Q8_0.
ConvertResult convert_hf_to_gguf(const ConvertOptions& options);

// GGUF llama layout of rotary heads: HF stores each head's rows as two halves
// [x0..x(d/2-1) | y0..y(d/2-1)] (rotated as (x_i, y_i) pairs); GGUF llama
// rotates adjacent rows (2i, 2i+1), so row (head, half, i) moves to
// (head, 2i + half). `src` and `dst` hold n_head * head_dim rows of `row_len`
// floats (a 1-D bias has row_len 1).
void permute_rotary_rows(const float* src, float* dst, int64_t n_head, int64_t head_dim, int64_t row_len);

}  // namespace hearth::model
