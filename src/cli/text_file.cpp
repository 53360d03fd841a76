#include "cli/text_file.h"

#include <fstream>
#include <iterator>

#include "core/error.h"

namespace hearth::cli {

std::string read_text_file(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(path + ": cannot open the " + what);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace hearth::cli
