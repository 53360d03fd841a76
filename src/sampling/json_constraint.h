// JSON mode (OpenAI response_format {"type": "json_object"}): the output must
// be one JSON object. Masks every token whose bytes cannot continue the text
// so far as JSON (JsonRecognizer), and allows an end-of-generation token
// only once the top-level object is closed; after that, nothing else.
//
//   auto vocab = std::make_shared<const TokenVocab>(bytes, ends);  // once per model
//   sampler.set_constraint(std::make_unique<JsonConstraint>(vocab));
//
// The output is the concatenation of the tokens' bytes (TokenVocab), so it
// always parses as a JSON object once done(); a generation cut short by a
// token limit is a valid prefix.
#pragma once

#include <memory>
#include <vector>

#include "sampling/constraint.h"
#include "sampling/json_recognizer.h"
#include "sampling/token_vocab.h"

namespace hearth::sampling {

class JsonConstraint : public TokenConstraint {
 public:
  explicit JsonConstraint(std::shared_ptr<const TokenVocab> vocab);

  // logits.size() must be the vocabulary's size.
  void mask(std::span<float> logits) const override;
  void accept(int32_t token) override;
  bool done() const override { return state_.complete(); }
  void reset() override { state_ = JsonRecognizer{}; }

 private:
  std::shared_ptr<const TokenVocab> vocab_;
  JsonRecognizer state_;
  mutable std::vector<uint8_t> allowed_;  // scratch of mask(), [n_vocab]
};

}  // namespace hearth::sampling
