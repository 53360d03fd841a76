#include "core/utf8.h"

namespace hearth {

namespace {
bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }
}  // namespace

size_t utf8_char_len(std::string_view s, size_t pos) {
  const auto c0 = static_cast<unsigned char>(s[pos]);
  if (c0 < 0x80) return 1;
  size_t len = 0;
  uint32_t min = 0;
  if ((c0 & 0xE0) == 0xC0) {
    len = 2;
    min = 0x80;
  } else if ((c0 & 0xF0) == 0xE0) {
    len = 3;
    min = 0x800;
  } else if ((c0 & 0xF8) == 0xF0) {
    len = 4;
    min = 0x10000;
  } else {
    return 0;
  }
  if (pos + len > s.size()) return 0;
  uint32_t cp = c0 & (0x7F >> len);
  for (size_t i = 1; i < len; ++i) {
    const auto c = static_cast<unsigned char>(s[pos + i]);
    if (!is_continuation(c)) return 0;
    cp = (cp << 6) | (c & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

uint32_t next_codepoint(std::string_view s, size_t& pos) {
  const size_t len = utf8_char_len(s, pos);
  if (len == 0) {
    ++pos;
    return kInvalidCodepoint;
  }
  const auto c0 = static_cast<unsigned char>(s[pos]);
  uint32_t cp = len == 1 ? c0 : (c0 & (0x7F >> len));
  for (size_t i = 1; i < len; ++i) cp = (cp << 6) | (static_cast<unsigned char>(s[pos + i]) & 0x3F);
  pos += len;
  return cp;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = kReplacementChar;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace hearth
