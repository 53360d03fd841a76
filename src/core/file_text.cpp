#include "core/file_text.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/error.h"

namespace hearth {

// One read of the file's size: a character-at-a-time copy (istreambuf_iterator)
// took ~1 s of a 9 MB tokenizer.json's conversion under the sanitizers.
std::string read_file_text(const std::filesystem::path& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(path.string() + ": cannot open the " + std::string(what) + ": " + std::strerror(errno));
  // A directory opens, then claims a size of 2^63 - 1 bytes.
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw IoError(path.string() + ": cannot read the " + std::string(what) + ": " + std::strerror(EISDIR));
  }
  std::string text;
  in.seekg(0, std::ios::end);
  const std::streamoff size = in ? std::streamoff(in.tellg()) : -1;
  if (size > 0) {
    text.resize(static_cast<size_t>(size));
    in.seekg(0);
    in.read(text.data(), size);
    if (in.gcount() != size) throw IoError(path.string() + ": cannot read the " + std::string(what));
  } else {
    // No size to go by (a pipe such as <(...), a /proc file): read to the end.
    in.clear();
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (in.bad()) throw IoError(path.string() + ": cannot read the " + std::string(what));
  }
  return text;
}

}  // namespace hearth
