// Splits input text around special-token text before the model sees it.
//
// User-defined tokens (added tokens) are always matched; control and unknown
// tokens ("<s>", "<|begin_of_text|>", "[CLS]") only when parse_special is set.
// Matching is leftmost-longest (as HF tokenizers' added-token matcher does):
// at the first position where any allowed token text starts, the longest such
// text wins. One pass over the text with a byte trie: O(text × longest token).
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "tokenizer/vocab.h"

namespace hearth::tokenizer {

struct Fragment {
  int32_t token = kNoToken;  // a matched special token, or kNoToken for text
  size_t offset = 0;         // the text span (also set for tokens)
  size_t length = 0;
};

class SpecialTokenMatcher {
 public:
  SpecialTokenMatcher() = default;
  explicit SpecialTokenMatcher(const Vocab& vocab);

  // Text fragments are never empty; the fragments cover `text` in order.
  std::vector<Fragment> split(std::string_view text, bool parse_special) const;

 private:
  struct Node {
    int32_t token = kNoToken;
    bool needs_parse_special = false;
    std::vector<std::pair<uint8_t, uint32_t>> children;  // byte -> node index
  };
  // Longest allowed match starting at text[pos]: {token, length} or {kNoToken, 0}.
  std::pair<int32_t, size_t> match_at(std::string_view text, size_t pos, bool parse_special) const;
  uint32_t child(uint32_t node, uint8_t byte) const;

  std::vector<Node> nodes_;  // nodes_[0] is the root
  bool any_user_defined_ = false;
};

}  // namespace hearth::tokenizer
