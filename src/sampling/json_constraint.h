// JSON mode (OpenAI response_format {"type": "json_object"}): the output must
// be one JSON object. Masks every token whose bytes cannot continue the text
// so far as JSON (JsonRecognizer), and allows an end-of-generation token
// only once the top-level object is closed; after that, nothing else.
//
//   auto vocab = std::make_shared<const TokenVocab>(bytes, ends);  // once per model
//   sampler.set_constraint(std::make_unique<JsonConstraint>(vocab));
//
// The output is the concatenation of the tokens' bytes (TokenVocab), so it
// always parses as a JSON object once done().
//
// Token budget: given max_tokens, a token is allowed only if the object can
// still be closed in the tokens left after it (JsonRecognizer::closing_bytes,
// one single-byte token per byte), so a generation that would otherwise run
// on closes its object in time instead of being cut off mid-document. When
// the vocabulary lacks a single-byte token the closing path needs, the mask
// falls back to plain validity rather than leaving no token.
#pragma once

#include <memory>
#include <vector>

#include "sampling/constraint.h"
#include "sampling/json_recognizer.h"
#include "sampling/token_vocab.h"

namespace hearth::sampling {

class JsonConstraint : public TokenConstraint {
 public:
  // max_tokens: the tokens this generation may still produce (-1: no limit).
  explicit JsonConstraint(std::shared_ptr<const TokenVocab> vocab, int64_t max_tokens = -1);

  // logits.size() must be the vocabulary's size.
  void mask(std::span<float> logits) const override;
  void accept(int32_t token) override;
  bool done() const override { return state_.complete(); }
  void reset() override {
    state_ = JsonRecognizer{};
    n_accepted_ = 0;
  }

 private:
  std::shared_ptr<const TokenVocab> vocab_;
  JsonRecognizer state_;
  int64_t max_tokens_;
  int64_t n_accepted_ = 0;
  mutable std::vector<uint8_t> allowed_;  // scratch of mask(), [n_vocab]
};

}  // namespace hearth::sampling
