// The weights of a Hugging Face checkpoint: one model.safetensors, or shards
// listed by model.safetensors.index.json ("weight_map": tensor -> file).
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "gguf/safetensors.h"

namespace hearth::model::convert {

class Checkpoint {
 public:
  // Opens DIR's safetensors. Throws IoError when there are none or a shard
  // named by the index is missing, FormatError for a bad index or file, or a
  // tensor the index places in a shard that does not hold it (or in two).
  static Checkpoint open(const std::filesystem::path& dir);

  // Every tensor, by name.
  const std::map<std::string, const gguf::SafetensorsTensor*>& tensors() const { return tensors_; }
  const gguf::SafetensorsTensor* find(const std::string& name) const;
  // The files read (one, or the shards in order).
  std::vector<std::string> files() const;

 private:
  std::vector<gguf::SafetensorsFile> files_;
  std::map<std::string, const gguf::SafetensorsTensor*> tensors_;
};

}  // namespace hearth::model::convert
