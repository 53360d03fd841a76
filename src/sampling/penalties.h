// Repetition penalties: the accepted-token window and how it changes logits.
//
//   TokenHistory h(params.repeat_last_n);
//   h.push(token);                          // after each accepted token
//   apply_penalties(logits, h, params);     // before any filter
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <unordered_map>

#include "sampling/params.h"

namespace hearth::sampling {

// Counts of each token among the last `window` pushed tokens.
class TokenHistory {
 public:
  // window > 0: the last `window` tokens; -1: every token; 0: none are kept.
  explicit TokenHistory(int32_t window) : window_(window) {}

  // Throws hearth::Error for a negative token id.
  void push(int32_t token);
  void clear();

  // token id -> count (> 0) within the window.
  const std::unordered_map<int32_t, int32_t>& counts() const { return counts_; }

 private:
  int32_t window_;
  std::deque<int32_t> recent_;  // the window, oldest first (only when window_ > 0)
  std::unordered_map<int32_t, int32_t> counts_;
};

// For every token t with count c > 0 in `history` (nothing else changes):
//   logit = logit > 0 ? logit / repeat_penalty : logit * repeat_penalty
//   logit -= presence_penalty + frequency_penalty * c
// logits: [n_vocab], indexed by token id. Throws hearth::Error when the
// history holds an id >= n_vocab (the caller mixed vocabularies).
void apply_penalties(std::span<float> logits, const TokenHistory& history,
                     const SamplingParams& params);

}  // namespace hearth::sampling
