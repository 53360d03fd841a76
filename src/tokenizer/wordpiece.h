// WordPiece (tokenizer.ggml.model "bert"), with BERT's uncased normaliser.
//
// Normalisation, per code point: NUL, U+FFFD and control/format characters
// are dropped (malformed UTF-8 bytes decode as U+FFFD, so they are dropped
// too); whitespace ends a word; accents are stripped (NFD, then nonspacing
// marks removed) and letters lowercased; punctuation (Unicode P* and ASCII
// symbols) and CJK ideographs become words of their own.
//
// Each word is then split greedily, longest match first. In GGUF vocabularies
// a word-initial piece is stored with a ▁ prefix ("▁hello") and a
// continuation piece bare ("##ing" becomes "ing"). A word that cannot be
// split completely, or is longer than kMaxWordChars, becomes the unknown
// token.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "tokenizer/vocab.h"

namespace hearth::tokenizer::wordpiece {

inline constexpr size_t kMaxWordChars = 100;  // as BERT's max_input_chars_per_word

// Appends the ids of `text`.
void encode(const Vocab& vocab, std::string_view text, std::vector<int32_t>& out);

}  // namespace hearth::tokenizer::wordpiece
