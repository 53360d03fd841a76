// Byte-level BPE (tokenizer.ggml.model "gpt2"): GPT-2, Llama 3, Qwen2,
// DeepSeek, Falcon, StarCoder.
//
// encode(text): the pre-tokenizer cuts text into pieces; each piece's bytes
// become one symbol per byte (the token of its byte-level character), then
// the adjacent pair with the lowest merge rank is merged, repeatedly, until
// no pair has a merge. Ties go to the leftmost pair. With ignore_merges
// (Llama 3) a piece that is itself a token is emitted without merging.
//
// Any bytes are accepted: malformed UTF-8 never matches a pre-tokenizer
// pattern, so it ends up in pieces of its own and is encoded byte by byte;
// decoding gives the same bytes back. That is lossless when the vocabulary
// has a normal token for every byte: GPT-2, Llama 3 and Qwen2 do; DeepSeek,
// Falcon and StarCoder lack the bytes that never occur in UTF-8 (C0, C1,
// F5-FF...) and Falcon also some ASCII control characters. A byte without a
// token becomes the unknown token, or is dropped when there is none.
#pragma once

#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizer/pretokenizer.h"
#include "tokenizer/vocab.h"

namespace hearth::tokenizer {

class BpeModel {
 public:
  // Builds the merge table from vocab.merges ("left right" per rank). Throws
  // FormatError for a merge rule without a space; rules whose parts or result
  // are not tokens are skipped (they can never fire).
  BpeModel(const Vocab& vocab, Pretokenizer pretokenizer);

  // Appends the ids of `text` (no special-token handling here).
  void encode(const Vocab& vocab, std::string_view text, std::vector<int32_t>& out) const;

 private:
  struct Merge {
    int32_t rank;
    int32_t result;
  };
  static uint64_t pair_key(int32_t left, int32_t right) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
  }
  const Merge* find_merge(int32_t left, int32_t right) const;
  void encode_piece(const Vocab& vocab, std::string_view piece, std::vector<int32_t>& out) const;

  Pretokenizer pretokenizer_;
  std::unordered_map<uint64_t, Merge> merges_;  // (left id, right id) -> merge
  int32_t byte_ids_[256];                       // token of each byte's character
};

}  // namespace hearth::tokenizer
