// The few Unicode properties the tokenizers need (UTF-8 decoding itself is
// core/utf8.h: lenient, one code point per malformed byte).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/utf8.h"

namespace hearth::tokenizer::unicode {

// UTF-8 decoding lives in core (shared with the template engine).
using hearth::append_utf8;
using hearth::kInvalidCodepoint;
using hearth::kReplacementChar;
using hearth::next_codepoint;
using hearth::utf8_char_len;

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
