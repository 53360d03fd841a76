// Output formats a request may demand, and the sampler constraints that
// enforce them. The vocabulary's byte strings (sampling::TokenVocab) are
// built on the first constrained request and shared by all later ones.
#pragma once

#include <memory>
#include <mutex>

#include "sampling/constraint.h"
#include "sampling/token_vocab.h"
#include "tokenizer/tokenizer.h"

namespace hearth::engine {

enum class ResponseFormat {
  text,         // anything
  json_object,  // one JSON object (sampling::JsonConstraint), then the end
};

class Constraints {
 public:
  // tok must outlive this object.
  explicit Constraints(const tokenizer::Tokenizer& tok) : tok_(tok) {}

  // The constraint for `format`; nullptr for text. max_tokens: the tokens
  // the generation may produce (a JSON object closes within them). Thread-safe.
  std::unique_ptr<sampling::TokenConstraint> make(ResponseFormat format, int64_t max_tokens);

 private:
  const tokenizer::Tokenizer& tok_;
  std::once_flag once_;
  std::shared_ptr<const sampling::TokenVocab> vocab_;
};

}  // namespace hearth::engine
