// A safetensors file (Hugging Face), parsed and validated up front.
//
// Layout (safetensors format description):
//   u64 little-endian N | N bytes of UTF-8 JSON header | tensor data
// The header is an object: "__metadata__" (an object of strings, optional)
// and, per tensor, {"dtype": "F16", "shape": [d0, d1, ...],
// "data_offsets": [begin, end]}, offsets relative to the start of the data
// (byte 8 + N). Shapes are outermost first (PyTorch order), the reverse of
// GGUF's ne[].
//
// Validated like GGUF: N within bounds and the file, the JSON well formed
// with unique keys, every dtype known, shape × element size equal to the
// offsets' span, spans inside the file and not overlapping. Any fault throws
// FormatError whose message starts with the file name and names the tensor.
// Tensor data is never copied: spans point into the mapping.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/mapped_file.h"

namespace hearth::gguf {

enum class SafetensorsDtype { BOOL, U8, I8, F8_E5M2, F8_E4M3, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64 };

// "F16" etc.; element size in bytes.
std::string_view dtype_name(SafetensorsDtype d);
size_t dtype_size(SafetensorsDtype d);

struct SafetensorsTensor {
  std::string name;
  SafetensorsDtype dtype = SafetensorsDtype::F32;
  std::vector<uint64_t> shape;       // outermost first
  std::span<const uint8_t> data;     // into the mapping
  uint64_t n_elements() const;
};

// Headers larger than this are refused (the reference reader uses 100 MB).
inline constexpr uint64_t kMaxSafetensorsHeader = 100'000'000;

class SafetensorsFile {
 public:
  // Map and parse. Throws IoError / FormatError naming the file.
  static SafetensorsFile open(const std::filesystem::path& path);
  // Parse bytes owned by the caller (they must outlive the object); `name`
  // is used in error messages.
  static SafetensorsFile parse(std::span<const uint8_t> bytes, std::string name);

  const std::string& name() const { return name_; }
  // Tensors sorted by name.
  const std::map<std::string, SafetensorsTensor>& tensors() const { return tensors_; }
  const SafetensorsTensor* find(std::string_view tensor) const;
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

 private:
  SafetensorsFile() = default;
  void parse_all(std::span<const uint8_t> bytes);

  std::shared_ptr<MappedFile> mapping_;
  std::string name_;
  std::map<std::string, SafetensorsTensor> tensors_;
  std::map<std::string, std::string> metadata_;
};

}  // namespace hearth::gguf
