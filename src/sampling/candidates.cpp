#include "sampling/candidates.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/error.h"
#include "sampling/softmax_math.h"

namespace hearth::sampling {
namespace {

// Smallest prefix keep_top_p sorts before it looks further; a typical
// nucleus at p ~0.9 fits in a few dozen tokens.
constexpr size_t kFirstTopPChunk = 64;

float max_logit(std::span<const Candidate> c) {
  float m = -std::numeric_limits<float>::infinity();
  for (const Candidate& x : c) m = std::max(m, x.logit);
  return m;
}

}  // namespace

void Candidates::fill(std::span<const float> logits) {
  items.resize(logits.size());
  for (size_t i = 0; i < logits.size(); ++i) items[i] = {static_cast<int32_t>(i), logits[i]};
  sorted = false;
}

// Runs over the whole row (150k floats) for every token. No early exit and
// only integer sums of compares, so the compiler vectorises it (a bool |=
// does not); the search for the offending token runs only when the row is
// bad. It turns a model bug into a clear error instead of undefined
// behaviour in the sorts.
void check_logits(std::span<const float> logits) {
  if (logits.empty()) throw Error("sampler: no logits (empty vocabulary)");
  constexpr float kInf = std::numeric_limits<float>::infinity();
  uint32_t bad = 0, finite = 0;  // counts; a 2^32 vocabulary is not a concern
  for (const float l : logits) {
    bad += !(l < kInf);  // NaN or +inf
    finite += l > -kInf;
  }
  const bool any_finite = finite > 0;
  if (bad > 0) {
    const auto at = std::find_if(logits.begin(), logits.end(), [](float l) { return !(l < kInf); });
    throw Error("sampler: logit of token " + std::to_string(at - logits.begin()) + " is " +
                std::to_string(*at));
  }
  if (!any_finite) throw Error("sampler: every logit is -inf, no token can be chosen");
}

// Two passes, both cheap: the max through 8 independent running maxima
// (no loop-carried dependency on one register, and no index to track), then
// a search for its first occurrence, which gives ties to the lowest id.
int32_t argmax(std::span<const float> logits) {
  constexpr size_t kLanes = 8;
  float lane[kLanes];
  std::fill(std::begin(lane), std::end(lane), -std::numeric_limits<float>::infinity());
  size_t i = 0;
  for (; i + kLanes <= logits.size(); i += kLanes)
    for (size_t j = 0; j < kLanes; ++j) lane[j] = std::max(lane[j], logits[i + j]);
  float max = *std::max_element(std::begin(lane), std::end(lane));
  for (; i < logits.size(); ++i) max = std::max(max, logits[i]);
  return static_cast<int32_t>(std::find(logits.begin(), logits.end(), max) - logits.begin());
}

void Candidates::fill_top_k(std::span<const float> logits, size_t k) {
  if (k == 0) return fill(logits);
  k = std::min(k, logits.size());
  items.clear();
  for (size_t i = 0; i < k; ++i) items.push_back({static_cast<int32_t>(i), logits[i]});
  // A heap whose front is the worst kept candidate. Ids only grow, so a new
  // logit equal to the worst ranks after it: the hot test is one float
  // compare against a cached threshold, and a replacement (rare once the
  // heap holds good logits) costs O(log k).
  std::make_heap(items.begin(), items.end(), ranks_before);
  float worst = items.front().logit;
  for (size_t i = k; i < logits.size(); ++i) {
    if (!(logits[i] > worst)) continue;
    std::pop_heap(items.begin(), items.end(), ranks_before);
    items.back() = {static_cast<int32_t>(i), logits[i]};
    std::push_heap(items.begin(), items.end(), ranks_before);
    worst = items.front().logit;
  }
  std::sort_heap(items.begin(), items.end(), ranks_before);
  sorted = true;
}

void keep_top_p(Candidates& c, double p) {
  if (p >= 1.0 || c.items.size() <= 1) return;
  auto& v = c.items;
  const float max = max_logit(v);
  const double target = p * softmax_weights(v, 1.0f, c.scratch);

  // Walk in rank order; when the walk reaches the end of the sorted part,
  // select the next chunk (doubling) with an O(n) nth_element and sort only
  // that chunk. A nucleus of K tokens costs O(n log K + K log K), never a
  // sort of the whole vocabulary.
  size_t sorted_end = c.sorted ? v.size() : 0;
  double mass = 0.0;
  size_t keep = v.size();  // rounding never reaching target keeps all
  for (size_t i = 0; i < v.size(); ++i) {
    if (i == sorted_end) {
      const size_t next = std::min(v.size(), std::max(kFirstTopPChunk, 2 * sorted_end));
      const auto from = v.begin() + static_cast<ptrdiff_t>(sorted_end);
      const auto to = v.begin() + static_cast<ptrdiff_t>(next);
      if (to != v.end()) std::nth_element(from, to, v.end(), ranks_before);
      std::sort(from, to, ranks_before);
      sorted_end = next;
    }
    mass += exp_nonpositive(v[i].logit - max);
    if (mass >= target) {
      keep = i + 1;
      break;
    }
  }
  v.resize(keep);
  c.sorted = true;
}

void keep_min_p(Candidates& c, double min_p) {
  if (min_p <= 0.0 || c.items.size() <= 1) return;
  const double threshold = static_cast<double>(max_logit(c.items)) + std::log(min_p);
  std::erase_if(c.items, [&](const Candidate& x) { return static_cast<double>(x.logit) < threshold; });
}

double softmax_weights(std::span<const Candidate> c, float temperature,
                       std::vector<float>& weights) {
  const float max = max_logit(c);
  // Gather the logits first: the exp loop then runs over a plain float
  // array, which the compiler vectorises (it does not over the structs).
  weights.resize(c.size());
  for (size_t i = 0; i < c.size(); ++i) weights[i] = c[i].logit;
  for (float& w : weights) w = exp_nonpositive((w - max) / temperature);
  return lane_sum(weights.size(), [&](size_t i) { return weights[i]; });
}

size_t draw_index(std::span<const float> weights, double total, double u) {
  const double target = u * total;
  double running = 0.0;
  size_t last_positive = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    if (weights[i] <= 0.0) continue;
    running += weights[i];
    last_positive = i;
    if (running > target) return i;
  }
  return last_positive;  // rounding left target at the very top
}

}  // namespace hearth::sampling
