#include "model/convert/checkpoint.h"

#include <set>

#include "core/error.h"
#include "model/convert/hf_config.h"

namespace hearth::model::convert {

namespace {

// A shard name must be a plain file name inside the directory.
void check_shard_name(const std::string& name, const std::string& index) {
  if (name.empty() || name.find('/') != std::string::npos || name.find('\\') != std::string::npos ||
      name == "." || name == "..") {
    throw FormatError(index + ": weight_map names the file \"" + name +
                      "\", which is not a file name in the model directory");
  }
}

}  // namespace

Checkpoint Checkpoint::open(const std::filesystem::path& dir) {
  Checkpoint c;
  const auto index_path = dir / "model.safetensors.index.json";
  const auto single = dir / "model.safetensors";
  if (std::filesystem::exists(index_path)) {
    const std::string index = index_path.string();
    const nlohmann::json j = read_json_file(index_path);
    if (!j.is_object() || !j.contains("weight_map") || !j["weight_map"].is_object()) {
      throw FormatError(index + ": no \"weight_map\" object");
    }
    std::map<std::string, std::string> where;  // tensor -> shard
    std::set<std::string> shards;
    for (const auto& [tensor, file] : j["weight_map"].items()) {
      if (!file.is_string()) throw FormatError(index + ": weight_map entry '" + tensor + "' is not a file name");
      check_shard_name(file.get<std::string>(), index);
      where[tensor] = file.get<std::string>();
      shards.insert(file.get<std::string>());
    }
    if (shards.empty()) throw FormatError(index + ": weight_map is empty");
    std::map<std::string, size_t> shard_at;
    c.files_.reserve(shards.size());
    for (const auto& s : shards) {
      if (!std::filesystem::exists(dir / s)) {
        throw IoError((dir / s).string() + ": missing shard (listed in model.safetensors.index.json); "
                      "download every shard of the checkpoint");
      }
      shard_at[s] = c.files_.size();
      c.files_.push_back(gguf::SafetensorsFile::open(dir / s));
    }
    for (const auto& [tensor, shard] : where) {
      const auto* t = c.files_[shard_at[shard]].find(tensor);
      if (!t) throw FormatError((dir / shard).string() + ": has no tensor '" + tensor + "' (the index places it there)");
      c.tensors_[tensor] = t;
    }
    for (const auto& f : c.files_) {
      for (const auto& [name, t] : f.tensors()) {
        const auto it = c.tensors_.find(name);
        if (it == c.tensors_.end()) throw FormatError(f.name() + ": tensor '" + name + "' is not in the index");
        if (it->second != &t) throw FormatError(f.name() + ": tensor '" + name + "' is also in another shard");
      }
    }
  } else if (std::filesystem::exists(single)) {
    c.files_.push_back(gguf::SafetensorsFile::open(single));
    for (const auto& [name, t] : c.files_.back().tensors()) c.tensors_[name] = &t;
  } else {
    throw IoError(dir.string() + ": no model.safetensors or model.safetensors.index.json "
                  "(hearth converts safetensors checkpoints; PyTorch .bin files are not read)");
  }
  return c;
}

const gguf::SafetensorsTensor* Checkpoint::find(const std::string& name) const {
  const auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : it->second;
}

std::vector<std::string> Checkpoint::files() const {
  std::vector<std::string> names;
  for (const auto& f : files_) names.push_back(f.name());
  return names;
}

}  // namespace hearth::model::convert
