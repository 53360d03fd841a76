// The token candidates a sampler narrows down, and the filters that narrow
// them. Every filter ranks by logit, highest first, ties to the lowest id
// (ranks_before), so results never depend on input order or on how the
// standard library sorts.
//
// Filters keep at least one candidate and never reorder what they keep
// except to sort it; `sorted` records when items are in rank order, so
// a later filter does not sort again.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace hearth::sampling {

struct Candidate {
  int32_t id;
  float logit;
};

// The sampling rank: higher logit first, then lower id.
inline bool ranks_before(const Candidate& a, const Candidate& b) {
  return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
}

struct Candidates {
  std::vector<Candidate> items;
  bool sorted = false;  // items are in ranks_before order
  std::vector<float> scratch;  // reused by filters that need softmax weights

  // items = every (id, logits[id]), in id order. Reuses the allocation.
  void fill(std::span<const float> logits);

  // items = the min(k, n) best-ranked (id, logits[id]), sorted (top-k as
  // the list is built). k == 0 is the same as fill(). One pass with a k-entry
  // heap, so a small k never builds a vocabulary-sized list.
  void fill_top_k(std::span<const float> logits, size_t k);
};

// Throws hearth::Error when a logit is NaN or +inf (naming the token), or
// when every logit is -inf (no token can be chosen). logits: [n_vocab].
// Every filter relies on it: without NaN, ranks_before is a strict weak
// order, which nth_element and sort require.
void check_logits(std::span<const float> logits);

// The highest logit's token; ties to the lowest id. logits must pass
// check_logits.
int32_t argmax(std::span<const float> logits);

// Keeps the smallest best-ranked prefix whose softmax mass (over the current
// candidates) is >= p, sorted. Only as much of the list is sorted as the
// prefix needs (growing chunks), not the whole vocabulary. p >= 1: no-op.
void keep_top_p(Candidates& c, double p);

// Keeps candidates whose probability is >= min_p * the largest probability,
// i.e. logit >= max_logit + log(min_p). Order is kept. min_p <= 0: no-op.
void keep_min_p(Candidates& c, double min_p);

// weights[i] = exp((logit_i - max_logit) / temperature), the unnormalised
// softmax at `temperature` (> 0); returns their sum (>= 1, in double).
// Subtracting the max first keeps every exponent <= 0, so a tiny
// temperature cannot overflow; weights below ~1e-38 of the max are 0.
double softmax_weights(std::span<const Candidate> c, float temperature,
                       std::vector<float>& weights);

// The index i where the running sum of weights first exceeds u * total,
// u in [0, 1): a categorical draw. A zero weight is never chosen.
size_t draw_index(std::span<const float> weights, double total, double u);

}  // namespace hearth::sampling
