#include "sampling/penalties.h"

#include <string>

#include "core/error.h"

namespace hearth::sampling {

void TokenHistory::push(int32_t token) {
  if (token < 0) throw Error("sampler: accepted token id " + std::to_string(token) + " is negative");
  if (window_ == 0) return;
  ++counts_[token];
  if (window_ < 0) return;
  recent_.push_back(token);
  if (recent_.size() > static_cast<size_t>(window_)) {
    const int32_t oldest = recent_.front();
    recent_.pop_front();
    if (--counts_[oldest] == 0) counts_.erase(oldest);
  }
}

void TokenHistory::clear() {
  recent_.clear();
  counts_.clear();
}

void apply_penalties(std::span<float> logits, const TokenHistory& history,
                     const SamplingParams& params) {
  if (!params.has_penalties()) return;
  for (const auto& [token, count] : history.counts()) {
    if (static_cast<size_t>(token) >= logits.size())
      throw Error("sampler: token id " + std::to_string(token) + " in the penalty history is outside the vocabulary of " +
                  std::to_string(logits.size()) + " logits");
    float& logit = logits[static_cast<size_t>(token)];
    logit = logit > 0.0f ? logit / params.repeat_penalty : logit * params.repeat_penalty;
    logit -= params.presence_penalty + params.frequency_penalty * static_cast<float>(count);
  }
}

}  // namespace hearth::sampling
