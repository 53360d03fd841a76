#include "chat/jinja/utf8.h"

#include "core/utf8.h"

namespace hearth::jinja::utf8 {

std::vector<char32_t> decode(std::string_view s) {
  std::vector<char32_t> out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const uint32_t cp = next_codepoint(s, i);
    out.push_back(cp == kInvalidCodepoint ? kReplacementChar : cp);
  }
  return out;
}

void append(std::string& out, char32_t cp) { append_utf8(out, cp); }

std::string encode(const std::vector<char32_t>& cps) {
  std::string out;
  out.reserve(cps.size());
  for (char32_t cp : cps) append(out, cp);
  return out;
}

bool is_ascii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

size_t length(std::string_view s) { return is_ascii(s) ? s.size() : decode(s).size(); }

}  // namespace hearth::jinja::utf8
