#include "gateway/audit_lines.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

#include "core/error.h"

namespace hearth::gateway {

void for_each_audit_line(const std::filesystem::path& path,
                         const std::function<bool(uint64_t, std::string_view, bool)>& visit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(path.string() + ": cannot open the audit log (" + std::strerror(errno) + ")");
  std::string line;
  uint64_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    // getline sets eof only when the text ran out before a '\n'.
    const bool complete = !in.eof();
    if (!visit(number, line, complete)) return;
  }
  if (in.bad()) throw IoError(path.string() + ": read failed after line " + std::to_string(number));
}

}  // namespace hearth::gateway
