// What a GGUF file holds, in figures: parameters, bytes and bits per weight,
// in total and per tensor type; and the model's key hyper-parameters. Used by
// `hearth show` and anything else that describes a model.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gguf/file.h"

namespace hearth::gguf {

struct TypeTotals {
  TensorType type = TensorType::F32;
  uint64_t n_tensors = 0;
  uint64_t n_elements = 0;
  uint64_t n_bytes = 0;
};

struct Summary {
  uint64_t n_tensors = 0;
  uint64_t n_params = 0;      // elements of all tensors
  uint64_t tensor_bytes = 0;  // data bytes of all tensors (without padding)
  std::vector<TypeTotals> by_type;  // one entry per type present, by type id

  // Average storage per parameter; 0 for a file without tensors.
  double bits_per_weight() const {
    return n_params ? 8.0 * static_cast<double>(tensor_bytes) / static_cast<double>(n_params) : 0;
  }
};

Summary summarize(const File& file);

struct HyperParameter {
  std::string label;  // "embedding length"
  std::string key;    // "llama.embedding_length"
  const Value* value = nullptr;  // into the file's metadata
};

// The well-known hyper-parameters of the file's architecture that it sets
// ("<arch>.context_length", "<arch>.attention.head_count", ...), in a fixed
// order; empty when general.architecture is absent.
std::vector<HyperParameter> hyper_parameters(const File& file);

}  // namespace hearth::gguf
