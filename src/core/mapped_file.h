// Read-only memory mapping of a whole file. Weights are pointed into the
// mapping, never copied: the page cache holds them once for all readers
// (except the pages a reader rewrites, see make_writable). The
// mapping sits at a 2 MiB boundary, ready for huge pages (core/huge_pages.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>

namespace hearth {

class MappedFile {
 public:
  MappedFile() = default;
  // Throws IoError naming the path when the file cannot be opened or mapped.
  explicit MappedFile(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  std::span<const uint8_t> bytes() const { return {data_, size_}; }
  const std::filesystem::path& path() const { return path_; }

 private:
  void release() noexcept;

  std::filesystem::path path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

// Makes the pages holding [p, p + n) of a private mapping (a MappedFile's, or
// anonymous memory) writable. A MappedFile's pages are mapped privately, so a
// write copies the page for this process alone (copy-on-write) and never
// reaches the file or other processes. Throws IoError when refused.
void make_writable(const void* p, size_t n);

}  // namespace hearth
