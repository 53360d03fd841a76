#include "sampling/logprobs.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.h"
#include "sampling/candidates.h"
#include "sampling/softmax_math.h"

namespace hearth::sampling {
namespace {

// log(sum exp(l)) computed around the max so no term overflows; summed in
// double, so 150k terms lose no meaningful precision.
double log_sum_exp(std::span<const float> logits, float max) {
  const double sum = lane_sum(logits.size(), [&](size_t i) { return exp_nonpositive(logits[i] - max); });
  return static_cast<double>(max) + std::log(sum);
}

}  // namespace

Logprobs token_logprobs(std::span<const float> logits, int32_t chosen, size_t n_top) {
  check_logits(logits);
  if (chosen < 0 || static_cast<size_t>(chosen) >= logits.size())
    throw Error("logprobs: chosen token " + std::to_string(chosen) + " is outside the vocabulary of " +
                std::to_string(logits.size()));
  const double log_z = log_sum_exp(logits, logits[static_cast<size_t>(argmax(logits))]);
  auto logprob = [&](size_t id) { return static_cast<float>(static_cast<double>(logits[id]) - log_z); };

  Logprobs out;
  out.chosen = {chosen, logprob(static_cast<size_t>(chosen))};
  n_top = std::min(n_top, logits.size());
  if (n_top == 0) return out;

  Candidates c;
  c.fill_top_k(logits, n_top);  // sorted by rank: logit desc, id asc
  out.top.reserve(n_top);
  for (size_t i = 0; i < n_top; ++i) out.top.push_back({c.items[i].id, logprob(static_cast<size_t>(c.items[i].id))});
  return out;
}

}  // namespace hearth::sampling
