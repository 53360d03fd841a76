// Reading an audit log line by line (shared by verify and query).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string_view>

namespace hearth::gateway {

// Calls `visit(line_number, text, complete)` for each line (1-based; text
// without '\n'; `complete` is false for a last line that has no '\n', i.e. a
// torn write). Stops early when `visit` returns false. Throws IoError naming
// the file when it cannot be opened or read.
void for_each_audit_line(const std::filesystem::path& path,
                         const std::function<bool(uint64_t, std::string_view, bool)>& visit);

}  // namespace hearth::gateway
