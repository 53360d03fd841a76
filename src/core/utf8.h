// UTF-8 decoding and encoding shared by the tokenizers, the template engine
// and the samplers.
//
// Decoding is lenient on purpose: callers must accept any bytes. A byte that
// does not start a well-formed UTF-8 sequence (bad lead byte, truncated or
// overlong sequence, surrogate, > U+10FFFF) decodes as kInvalidCodepoint and
// consumes exactly one byte, so every byte of the input is accounted for.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace hearth {

inline constexpr uint32_t kInvalidCodepoint = 0xFFFFFFFFu;
inline constexpr uint32_t kReplacementChar = 0xFFFD;

// Length in bytes of the well-formed UTF-8 character at s[pos], or 0 when the
// bytes there are not one (see above). pos < s.size().
size_t utf8_char_len(std::string_view s, size_t pos);

// Decodes the character at s[pos] and advances pos past it (by one byte for
// malformed input, returning kInvalidCodepoint).
uint32_t next_codepoint(std::string_view s, size_t& pos);

// Appends the UTF-8 encoding of cp (cp <= 0x10FFFF, not a surrogate;
// anything else appends U+FFFD).
void append_utf8(std::string& out, uint32_t cp);

}  // namespace hearth
