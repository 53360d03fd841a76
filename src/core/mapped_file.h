// Read-only memory mapping of a whole file. Weights are pointed into the
// mapping, never copied: the page cache holds them once for all readers. The
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

// Drops this process's pages lying wholly inside [p, p + n) of a private
// mapping, for bytes that now live elsewhere: they leave the process's
// resident set; if touched again, a MappedFile's read the file again,
// anonymous memory reads zeros. Advice only: nothing happens where refused.
void release_pages(const void* p, size_t n) noexcept;

}  // namespace hearth
