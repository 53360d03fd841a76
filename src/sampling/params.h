// What a caller asks of the sampler: one struct whose fields and defaults
// mirror llama.cpp's sampling options, with OpenAI's penalty semantics.
//
//   SamplingParams p;            // llama.cpp CLI defaults (below)
//   p.temperature = 0;           // greedy
//   p.validate();                // throws hearth::Error naming the bad field
//
// An HTTP dialect with other defaults (OpenAI: temperature 1, top_p 1,
// top_k/min_p off) sets every field itself; nothing here is dialect-specific.
#pragma once

#include <cstdint>
#include <optional>

namespace hearth::sampling {

struct SamplingParams {
  // Logits are divided by this before the final softmax. 0 means greedy:
  // the arg-max token (after penalties), ties to the lowest id, no random
  // draw and no filters. Must be finite and >= 0.
  float temperature = 0.8f;

  // Keep only the k highest logits (ties to the lowest id). 0 = off; >= 0.
  int32_t top_k = 40;

  // Nucleus: keep the smallest highest-first prefix whose probability mass
  // is >= top_p (probabilities of the candidates left by top-k, before
  // temperature). 1 = off; must be in (0, 1].
  float top_p = 0.95f;

  // Keep tokens whose probability is >= min_p * (the largest probability).
  // 0 = off; must be in [0, 1].
  float min_p = 0.05f;

  // Penalties use the counts of each token among the last repeat_last_n
  // accepted tokens (see Sampler::accept). 0 = no window (penalties off),
  // -1 = every accepted token; must be >= -1.
  int32_t repeat_last_n = 64;

  // CTRL-style repetition penalty for tokens seen in the window: a positive
  // logit is divided by it, a negative one multiplied. 1 = off; must be > 0.
  float repeat_penalty = 1.0f;

  // OpenAI semantics, applied after repeat_penalty, for a token seen c times:
  //   logit -= (c > 0 ? presence_penalty : 0) + frequency_penalty * c
  // 0 = off; negative values encourage repetition. Must be finite.
  float presence_penalty = 0.0f;
  float frequency_penalty = 0.0f;

  // Seed of the sampler's std::mt19937_64. Unset: a random seed is drawn and
  // reported by Sampler::seed() so the run can be reproduced. The same seed,
  // params and logits always give the same tokens (on any standard library).
  std::optional<uint64_t> seed;

  // How many top alternatives to report with each token's log-probability
  // (OpenAI top_logprobs). 0 = none; must be >= 0. The sampler itself does
  // not use it; callers pass it to token_logprobs().
  int32_t n_probs = 0;

  // Throws hearth::Error naming the first invalid field and its value.
  void validate() const;

  // True when temperature selects greedy decoding.
  bool greedy() const { return temperature <= 0.0f; }

  // True when any of the three penalties can change a logit.
  bool has_penalties() const {
    return repeat_last_n != 0 &&
           (repeat_penalty != 1.0f || presence_penalty != 0.0f || frequency_penalty != 0.0f);
  }
};

}  // namespace hearth::sampling
