#include "tokenizer/byte_level.h"

#include <array>

#include "tokenizer/unicode.h"

namespace hearth::tokenizer::byte_level {
namespace {

bool maps_to_itself(uint32_t b) {
  return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

struct Tables {
  std::array<std::string, 256> to_text;
  std::array<int16_t, 512> from_codepoint;  // code point < 512 -> byte, or -1
  Tables() {
    from_codepoint.fill(-1);
    uint32_t next = 256;
    for (uint32_t b = 0; b < 256; ++b) {
      const uint32_t cp = maps_to_itself(b) ? b : next++;
      unicode::append_utf8(to_text[b], cp);
      from_codepoint[cp] = static_cast<int16_t>(b);
    }
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

}  // namespace

const std::string& byte_to_text(uint8_t b) { return tables().to_text[b]; }

void encode(std::string_view bytes, std::string& out) {
  const Tables& t = tables();
  for (char c : bytes) out += t.to_text[static_cast<uint8_t>(c)];
}

void decode(std::string_view text, std::string& out) {
  const Tables& t = tables();
  for (size_t pos = 0; pos < text.size();) {
    const size_t start = pos;
    const uint32_t cp = unicode::next_codepoint(text, pos);
    if (cp < t.from_codepoint.size() && t.from_codepoint[cp] >= 0) {
      out += static_cast<char>(t.from_codepoint[cp]);
    } else {
      out.append(text.substr(start, pos - start));
    }
  }
}

}  // namespace hearth::tokenizer::byte_level
