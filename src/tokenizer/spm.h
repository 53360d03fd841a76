// SentencePiece BPE (tokenizer.ggml.model "llama"): Llama 1/2, Mistral, Phi-3.
//
// The caller has already turned spaces into ▁ (U+2581) and added the space
// prefix. encode() starts with one symbol per UTF-8 character, then merges
// the adjacent pair whose concatenation is the vocabulary piece with the
// highest score (ties: leftmost), until no adjacent pair forms a piece.
// A final symbol that is not a piece is spelled with the <0xNN> byte tokens
// (byte fallback), or with the unknown token when the vocabulary has none.
// Malformed UTF-8 bytes are one-byte symbols, so they fall back to <0xNN>:
// any bytes round-trip.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/vocab.h"

namespace hearth::tokenizer::spm {

// Replaces every ' ' with ▁ (U+2581), as SentencePiece's normaliser does.
std::string escape_spaces(std::string_view text);

// Appends the ids of `text` (already escaped).
void encode(const Vocab& vocab, std::string_view text, std::vector<int32_t>& out);

}  // namespace hearth::tokenizer::spm
