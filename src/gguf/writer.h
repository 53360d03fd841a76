// Writing GGUF files (v3, or v2 on request; the two share one layout).
//
// A file is planned first (Layout: metadata + tensor list, validated, every
// offset computed), then streamed (Writer: header, then tensor data in order,
// possibly in chunks, so a quantizer never holds more than one tensor), then
// committed: the bytes go to a temporary file next to the target, which is
// renamed over it only once complete, so a failure never leaves a half file.
//
// Layout written (the one the reference tools write, so a parsed file is
// written back byte for byte):
//   header (magic, version, counts, metadata, tensor infos)
//   zero padding to general.alignment          -- only when there are tensors
//   tensor 0 data, zero padding to the alignment
//   tensor 1 data, zero padding ...             -- the last tensor is padded too
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gguf/file.h"

namespace hearth::gguf {

struct TensorSpec {
  std::string name;
  TensorType type = TensorType::F32;
  std::vector<uint64_t> shape;  // ne[0] is the innermost (row) dimension; 1..4 dims
};

// What a file will hold, checked and laid out before a byte is written.
class Layout {
 public:
  // Throws FormatError for anything the reader would reject: a duplicate key
  // or tensor name, a bad general.alignment, a bad shape (see tensor_size);
  // UnsupportedError for a version other than 2 or 3.
  Layout(std::vector<KeyValue> metadata, std::vector<TensorSpec> tensors, uint32_t version = 3);
  // The metadata and tensor list of a parsed file, in its order.
  static Layout of(const File& file, uint32_t version);

  uint32_t version() const { return version_; }
  uint32_t alignment() const { return alignment_; }
  const std::vector<KeyValue>& metadata() const { return metadata_; }
  const std::vector<TensorSpec>& tensors() const { return tensors_; }
  uint64_t tensor_offset(size_t i) const { return offsets_[i]; }  // from the data section start
  uint64_t tensor_bytes(size_t i) const { return sizes_[i]; }
  uint64_t data_offset() const { return data_offset_; }  // header + padding, from file start
  uint64_t file_size() const { return file_size_; }

  // The header, padded to data_offset(): exactly the file's first bytes.
  std::vector<uint8_t> encode_header() const;

 private:
  uint32_t version_;
  uint32_t alignment_ = kDefaultAlignment;
  std::vector<KeyValue> metadata_;
  std::vector<TensorSpec> tensors_;
  std::vector<uint64_t> offsets_;
  std::vector<uint64_t> sizes_;
  uint64_t data_offset_ = 0;
  uint64_t file_size_ = 0;
};

// Where a Writer's bytes go (a temporary file, or memory); internal.
class ByteSink;

class Writer {
 public:
  // Creates a temporary file beside `path` and writes the header to it.
  // Throws IoError naming the path on any OS failure.
  Writer(const std::filesystem::path& path, Layout layout);
  // Writes into `out` (cleared first), which must outlive the Writer.
  Writer(std::vector<uint8_t>& out, Layout layout);
  // Removes the temporary file unless commit() succeeded.
  ~Writer();
  Writer(Writer&&) noexcept;
  Writer& operator=(Writer&&) noexcept;

  const Layout& layout() const { return layout_; }
  // Index of the tensor the next data bytes belong to; tensors().size() once
  // all data has been written.
  size_t current_tensor() const { return current_; }

  // Appends the next bytes of tensor data, in layout order. A tensor may
  // arrive in any number of chunks; a chunk may span tensors. Padding is
  // written after each tensor completes. Throws Error for bytes beyond the
  // last tensor.
  void write(std::span<const uint8_t> bytes);
  // Writes the whole of the next tensor; throws Error when `name` is not the
  // current tensor, it is partly written, or `data` is not its exact size.
  void write_tensor(std::string_view name, std::span<const uint8_t> data);
  // Checks every tensor is complete, then flushes, syncs and renames the
  // temporary file onto the target. Throws Error / IoError.
  void commit();

 private:
  void write_padding(uint64_t n);

  Layout layout_;
  std::unique_ptr<ByteSink> sink_;
  size_t current_ = 0;         // tensor being written
  uint64_t written_ = 0;       // bytes of it written so far
  bool committed_ = false;
};

// Writes a parsed file to `path` with the same metadata, tensors and data;
// version 0 keeps the file's own version.
void save(const File& file, const std::filesystem::path& path, uint32_t version = 0);
// The same, into memory.
std::vector<uint8_t> encode(const File& file, uint32_t version = 0);

}  // namespace hearth::gguf
