// A GGUF file (v2 or v3, little-endian), parsed and validated up front.
//
// Layout (GGUF specification):
//   magic "GGUF" | u32 version | u64 tensor_count | u64 kv_count
//   kv_count × (string key, u32 value type, value)
//   tensor_count × (string name, u32 n_dims, u64 ne[n_dims], u32 type, u64 offset)
//   padding to general.alignment (default 32) | tensor data
// Strings are u64 length + bytes (no NUL). Arrays are u32 element type +
// u64 count + elements. Every count, length, offset and dimension is checked
// (overflow-safe) before use; a bad file throws FormatError / UnsupportedError
// whose message starts with the file's name and says what is wrong.
//
// Tensor data is never copied: Tensor::data points into the mapping (or into
// the caller's buffer for from_memory), which lives as long as the GgufFile.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/mapped_file.h"
#include "gguf/rules.h"
#include "gguf/tensor_type.h"
#include "gguf/value.h"

namespace hearth::gguf {

struct Tensor {
  std::string name;
  std::vector<uint64_t> shape;  // ne[0] is the innermost (row) dimension
  TensorType type = TensorType::F32;
  uint64_t offset = 0;          // relative to the start of the data section
  uint64_t n_elements = 0;
  uint64_t n_bytes = 0;
  const uint8_t* data = nullptr;  // into the mapping; n_bytes long

  uint64_t row_length() const { return shape.empty() ? 1 : shape[0]; }
  uint64_t n_rows() const { return shape.empty() ? 1 : n_elements / shape[0]; }
};

using KeyValue = std::pair<std::string, Value>;

class File {
 public:
  // Map and parse a file. Throws IoError / FormatError / UnsupportedError.
  static File open(const std::filesystem::path& path);
  // Parse bytes owned by the caller (must outlive the File). `name` is used
  // in error messages.
  static File parse(std::span<const uint8_t> bytes, std::string name);

  const std::string& name() const { return name_; }
  uint32_t version() const { return version_; }
  uint32_t alignment() const { return alignment_; }
  // Start of the data section, from the file start (the end of the header
  // when there are no tensors: such files carry no padding).
  uint64_t data_offset() const { return data_offset_; }
  uint64_t file_size() const { return bytes_.size(); }
  std::span<const uint8_t> bytes() const { return bytes_; }

  // Metadata in file order.
  const std::vector<KeyValue>& metadata() const { return metadata_; }
  const Value* find(std::string_view key) const;
  bool has(std::string_view key) const { return find(key) != nullptr; }

  // Typed getters: nullopt when the key is absent; FormatError (naming the file
  // and key) when present with an incompatible type.
  std::optional<uint64_t> get_uint(std::string_view key) const;
  std::optional<int64_t> get_int(std::string_view key) const;
  std::optional<double> get_float(std::string_view key) const;
  std::optional<bool> get_bool(std::string_view key) const;
  std::optional<std::string> get_string(std::string_view key) const;
  std::optional<std::vector<std::string>> get_string_array(std::string_view key) const;
  std::optional<std::vector<float>> get_float_array(std::string_view key) const;
  std::optional<std::vector<int64_t>> get_int_array(std::string_view key) const;
  // general.architecture, or "" when absent.
  std::string architecture() const;

  const std::vector<Tensor>& tensors() const { return tensors_; }
  const Tensor* find_tensor(std::string_view name) const;

 private:
  File() = default;
  void parse_all();
  [[noreturn]] void fail(const std::string& what) const;

  std::shared_ptr<MappedFile> mapping_;  // null for parse()
  std::span<const uint8_t> bytes_;
  std::string name_;
  uint32_t version_ = 0;
  uint32_t alignment_ = kDefaultAlignment;
  uint64_t data_offset_ = 0;
  std::vector<KeyValue> metadata_;
  std::vector<Tensor> tensors_;
};

}  // namespace hearth::gguf
