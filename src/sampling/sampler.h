// Picks the next token from a row of logits.
//
//   Sampler s(params);                         // validates params
//   int32_t t = s.sample(logits_row);          // logits_row: [n_vocab]
//   s.accept(t);                               // history for the penalties
//   Logprobs lp = token_logprobs(logits_row, t, params.n_probs);
//
// The chain, in order (each step sees the previous step's output):
//   0. constraint   set_constraint(): tokens it rules out get -inf logits
//   1. penalties    repeat / presence / frequency over the accepted window
//   2. greedy       temperature == 0: arg-max (ties to the lowest id), done
//   3. top-k        keep the k best
//   4. top-p        keep the smallest prefix with mass >= p
//   5. min-p        keep p_i >= min_p * p_max
//   6. temperature  divide the kept logits by it
//   7. softmax + draw from the kept candidates with the seeded mt19937_64
// Filters 3-5 rank by logit then id and see probabilities at temperature 1,
// as llama.cpp's default chain does. The draw uses its own uniform ->
// categorical step (53 random bits) and its own exp (softmax_math.h), so a
// seed gives the same tokens with any standard library or libm.
//
// Cost per token at a 150k vocabulary: one pass to check the row, then
// top-k by a k-entry heap (no vocabulary-sized list when top_k > 0); top-p
// without top-k selects and sorts only the nucleus (a full sort only when
// the kept set is the whole vocabulary).
//
// The caller's logits are never modified. Prompt tokens may be accept()ed
// too, to penalise repeating the prompt (llama.cpp does; OpenAI does not).
// For n independent choices, use n Samplers with different seeds.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <span>
#include <vector>

#include "sampling/candidates.h"
#include "sampling/constraint.h"
#include "sampling/params.h"
#include "sampling/penalties.h"

namespace hearth::sampling {

class Sampler {
 public:
  // Throws hearth::Error for invalid params (see SamplingParams::validate).
  explicit Sampler(const SamplingParams& params);

  // The next token. logits: [n_vocab]. Throws hearth::Error for logits that
  // are empty, NaN, +inf or all -inf, and for a history token >= n_vocab.
  int32_t sample(std::span<const float> logits);

  // Records a token that is now part of the sequence (for the penalties).
  void accept(int32_t token);

  // Constrains every later sample() (step 0 of the chain); sample() itself
  // passes each token it returns to the constraint, so prompt tokens given
  // to accept() never reach it. nullptr removes the constraint. Throws
  // hearth::Error from sample() when the constraint leaves no token.
  void set_constraint(std::unique_ptr<TokenConstraint> constraint);

  // A constraint is set and only the end of the generation may follow.
  bool constraint_done() const { return constraint_ && constraint_->done(); }

  // Forgets the history, rewinds the constraint and restarts the random
  // stream from seed(): after reset the sampler repeats its first run exactly.
  void reset();

  // The seed in use: params.seed, or the random one drawn when it was unset.
  uint64_t seed() const { return seed_; }
  const SamplingParams& params() const { return params_; }

 private:
  // Steps 0-7 of the chain: the next token, before the constraint sees it.
  int32_t choose(std::span<const float> logits);

  // A uniform double in [0, 1) from the top 53 bits of one mt19937_64 output.
  double next_uniform();

  SamplingParams params_;
  uint64_t seed_;
  std::mt19937_64 rng_;
  TokenHistory history_;
  std::unique_ptr<TokenConstraint> constraint_;
  // Scratch reused across calls (a 150k vocabulary is ~2.4 MB of it).
  std::vector<float> logits_;
  Candidates candidates_;
  std::vector<float> weights_;
};

}  // namespace hearth::sampling
