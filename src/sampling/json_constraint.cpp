#include "sampling/json_constraint.h"

#include <limits>
#include <string>

#include "core/error.h"

namespace hearth::sampling {

JsonConstraint::JsonConstraint(std::shared_ptr<const TokenVocab> vocab, int64_t max_tokens)
    : vocab_(std::move(vocab)), max_tokens_(max_tokens) {
  if (!vocab_) throw Error("JSON constraint: no vocabulary");
}

void JsonConstraint::mask(std::span<float> logits) const {
  if (static_cast<int64_t>(logits.size()) != vocab_->n_vocab()) {
    throw Error("JSON constraint: " + std::to_string(logits.size()) + " logits for a vocabulary of " +
                std::to_string(vocab_->n_vocab()));
  }
  allowed_.assign(logits.size(), 0);
  size_t n_allowed = 0;
  if (state_.complete()) {
    for (const int32_t id : vocab_->end_tokens()) allowed_[static_cast<size_t>(id)] = 1;
    n_allowed = vocab_->end_tokens().size();
  } else {
    // Tokens left after this one; the object must still close within them.
    const int64_t left = max_tokens_ < 0 ? -1 : max_tokens_ - n_accepted_ - 1;
    const auto walk = [&](bool budgeted) {
      vocab_->walk(
          state_, [](JsonRecognizer& s, uint8_t b) { return s.feed(b); },
          [&](int32_t id, const JsonRecognizer& after) {
            if (budgeted && after.closing_bytes() > left) return;
            allowed_[static_cast<size_t>(id)] = 1;
            ++n_allowed;
          });
    };
    walk(left >= 0);
    if (n_allowed == 0 && left >= 0) walk(false);
  }
  if (n_allowed == 0) {
    throw Error(state_.complete() ? "JSON mode: the object is complete but the vocabulary has no end token"
                                  : "JSON mode: no token of the vocabulary can continue the JSON text");
  }
  constexpr float kNever = -std::numeric_limits<float>::infinity();
  for (size_t i = 0; i < logits.size(); ++i) {
    if (!allowed_[i]) logits[i] = kNever;
  }
}

void JsonConstraint::accept(int32_t token) {
  if (token < 0 || token >= vocab_->n_vocab()) {
    throw Error("JSON constraint: token " + std::to_string(token) + " is outside the vocabulary");
  }
  const bool ok = vocab_->ends_generation(token) ? state_.complete()
                                                 : !vocab_->bytes(token).empty() && state_.feed(vocab_->bytes(token));
  if (!ok) throw Error("JSON constraint: token " + std::to_string(token) + " cannot continue the JSON text");
  if (!vocab_->ends_generation(token)) ++n_accepted_;
}

}  // namespace hearth::sampling
