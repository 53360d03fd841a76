// A constraint on what a sampler may generate (a grammar, a JSON mode): it
// follows the tokens produced so far and rules out every token that would
// break it. The Sampler applies it before every other step of its chain.
#pragma once

#include <cstdint>
#include <span>

namespace hearth::sampling {

class TokenConstraint {
 public:
  virtual ~TokenConstraint() = default;

  // Sets logits[id] = -inf for every token that may not come next.
  // logits: [n_vocab]. Throws hearth::Error when no token is left.
  virtual void mask(std::span<float> logits) const = 0;

  // Advances past `token` (one that mask() left allowed). Throws
  // hearth::Error for a token the constraint does not allow.
  virtual void accept(int32_t token) = 0;

  // Nothing may follow but the end of the generation.
  virtual bool done() const = 0;

  // Back to the state before the first token.
  virtual void reset() = 0;
};

}  // namespace hearth::sampling
