// Log-probabilities as OpenAI reports them: log-softmax of the model's
// unmodified logits (no penalties, filters or temperature), for the chosen
// token and the n most likely alternatives.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace hearth::sampling {

struct TokenLogprob {
  int32_t id;
  float logprob;  // <= 0; -inf for a token the model gave logit -inf
};

struct Logprobs {
  TokenLogprob chosen;
  std::vector<TokenLogprob> top;  // min(n_top, n_vocab) entries, most likely first, ties to lower id
};

// logits: [n_vocab], the raw row the token was sampled from. Throws
// hearth::Error for bad logits (see check_logits) or chosen outside
// [0, n_vocab). Cost: O(n_vocab) plus O(log n_top) per heap replacement.
Logprobs token_logprobs(std::span<const float> logits, int32_t chosen, size_t n_top);

}  // namespace hearth::sampling
