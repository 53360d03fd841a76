// Byte-level BPE pre-tokenizers, keyed by tokenizer.ggml.pre.
//
// A pre-tokenizer is a sequence of split regexes (the patterns are facts
// from each model's tokenizer.json). Applying one regex to a piece cuts it
// into its matches *and* the gaps between them ("isolated" splitting), so
// pieces always cover the text; each next regex is applied to every piece on
// its own (so $ and lookaheads stop at piece ends). BPE merges never cross
// piece boundaries.
//
// "default" and an absent tokenizer.ggml.pre mean the GPT-2 pattern, which is
// what HF's ByteLevel pre-tokenizer does by default. Any other unknown name
// is an UnsupportedError that names it: a silent fallback would tokenize
// differently from the model's training.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/regex.h"

namespace hearth::tokenizer {

class Pretokenizer {
 public:
  // `source` (a file name) is used in the error message.
  static Pretokenizer for_name(const std::string& pre, const std::string& source);
  // The names for_name accepts (for messages and tests).
  static std::vector<std::string> known_names();

  // Pieces of text in order; they cover it exactly and are never empty.
  std::vector<Span> split(std::string_view text) const;

  // Llama 3's BPE model looks a whole piece up in the vocabulary before
  // merging (tokenizer.json "ignore_merges": true).
  bool ignore_merges() const { return ignore_merges_; }

 private:
  std::vector<std::shared_ptr<const Regex>> regexes_;
  bool ignore_merges_ = false;
};

}  // namespace hearth::tokenizer
