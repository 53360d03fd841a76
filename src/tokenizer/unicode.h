// UTF-8 and the few Unicode properties the tokenizers need.
//
// Decoding is lenient on purpose: tokenizers must accept any bytes. A byte
// that does not start a well-formed UTF-8 sequence (bad lead byte, truncated
// or overlong sequence, surrogate, > U+10FFFF) decodes as kInvalidCodepoint
// and consumes exactly one byte, so every byte of the input is accounted for.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace hearth::tokenizer::unicode {

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

// General_Category P* (Unicode punctuation).
bool is_punctuation(uint32_t cp);
// ASCII characters that are neither letters, digits, space nor control:
// what BERT (and HF's Punctuation pre-tokenizer) also split on.
bool is_ascii_punctuation(uint32_t cp);
// General_Category Mn.
bool is_nonspacing_mark(uint32_t cp);
// Cc or Cf.
bool is_control_or_format(uint32_t cp);
// BERT's notion of whitespace: \t \n \r space, or General_Category Zs.
bool is_whitespace(uint32_t cp);
// CJK Unified Ideographs blocks (BERT pads these with spaces).
bool is_cjk_ideograph(uint32_t cp);

// Simple (one to one) lowercase mapping; cp itself when it has none.
uint32_t to_lower(uint32_t cp);

// Appends cp in canonical decomposition (NFD) with nonspacing marks removed,
// i.e. "strip accents" as BERT does: é -> e, ử -> u, 한 -> ᄒ ᅡ ᆫ.
void append_stripped(std::u32string& out, uint32_t cp);

}  // namespace hearth::tokenizer::unicode
