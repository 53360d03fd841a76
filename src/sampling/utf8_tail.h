// The end of a growing UTF-8 text: is its last character still incomplete?
// Streaming emits text only up to a character boundary; the held bytes are
// completed by the next token's piece.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace hearth::sampling {

// Length (1-3) of a trailing lead byte plus fewer continuation bytes than it
// announces; 0 when the text ends on a complete character. Bytes that can
// never become valid (a stray continuation byte, 0xF8-0xFF) are not held:
// waiting could not fix them.
size_t incomplete_utf8_tail(std::string_view text);

// For text that is final (end of generation): replaces an incomplete
// trailing character with U+FFFD, as a UTF-8 decoder would.
void finish_utf8(std::string& text);

}  // namespace hearth::sampling
