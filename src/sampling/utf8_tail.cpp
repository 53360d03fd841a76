#include "sampling/utf8_tail.h"

namespace hearth::sampling {
namespace {

bool is_continuation(unsigned char b) { return (b & 0xC0) == 0x80; }

// Bytes in the character a lead byte starts; 0 for a byte that cannot lead.
size_t sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0) return 4;
  return 0;
}

}  // namespace

size_t incomplete_utf8_tail(std::string_view text) {
  // A character is at most 4 bytes, so its lead is among the last 3 when
  // it is still missing bytes.
  const size_t n = text.size();
  for (size_t back = 1; back <= 3 && back <= n; ++back) {
    const auto b = static_cast<unsigned char>(text[n - back]);
    if (is_continuation(b)) continue;
    return sequence_length(b) > back ? back : 0;
  }
  return 0;
}

void finish_utf8(std::string& text) {
  const size_t tail = incomplete_utf8_tail(text);
  if (tail == 0) return;
  text.resize(text.size() - tail);
  text += "\xEF\xBF\xBD";
}

}  // namespace hearth::sampling
