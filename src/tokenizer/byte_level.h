// GPT-2's reversible byte <-> character mapping for byte-level BPE.
//
// Every byte gets a printable code point so that BPE can work on text: the
// printable Latin-1 bytes ('!'..'~', '¡'..'¬', '®'..'ÿ') map to themselves,
// the other 68 bytes (controls, space, 0x7F-0xA0, 0xAD) map in byte order to
// U+0100, U+0101, ... (so space is 'Ġ' U+0120 and '\n' is 'Ċ' U+010A).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hearth::tokenizer::byte_level {

// UTF-8 text of the character standing for byte b.
const std::string& byte_to_text(uint8_t b);

// Appends the byte-level form of raw bytes.
void encode(std::string_view bytes, std::string& out);

// Appends the bytes a byte-level token text stands for. Characters outside
// the mapping (malformed UTF-8 or other code points) are copied unchanged.
void decode(std::string_view text, std::string& out);

}  // namespace hearth::tokenizer::byte_level
