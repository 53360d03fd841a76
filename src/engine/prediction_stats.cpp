#include "engine/prediction_stats.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace hearth::engine {

namespace {

// Hot: runs once per scored position over the whole vocabulary. Plain
// loops over contiguous arrays with no calls but exp/log, in double, so the
// result does not depend on the vocabulary's size or order of magnitude.
double log_sum_exp(std::span<const float> logits, double max) {
  double sum = 0.0;
  for (const float l : logits) sum += std::exp(static_cast<double>(l) - max);
  return max + std::log(sum);
}

}  // namespace

void log_softmax(std::span<const float> logits, std::vector<double>& out) {
  if (logits.empty()) throw Error("log_softmax: empty logits row");
  const double max = *std::max_element(logits.begin(), logits.end());
  const double lse = log_sum_exp(logits, max);
  out.resize(logits.size());
  for (size_t i = 0; i < logits.size(); ++i) out[i] = static_cast<double>(logits[i]) - lse;
}

int64_t argmax(std::span<const double> v) {
  return static_cast<int64_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

double kl_divergence(std::span<const double> log_p, std::span<const double> log_q) {
  if (log_p.size() != log_q.size()) throw Error("kl_divergence: the two rows have different vocabularies");
  // Hot, as log_sum_exp: one pass, a term whose p underflows to 0 adds 0.
  double kl = 0.0;
  for (size_t i = 0; i < log_p.size(); ++i) kl += std::exp(log_p[i]) * (log_p[i] - log_q[i]);
  return kl;
}

double MeanEstimate::mean() const { return count_ > 0 ? sum_ / static_cast<double>(count_) : 0.0; }

double MeanEstimate::rms() const {
  return count_ > 0 ? std::sqrt(sum_sq_ / static_cast<double>(count_)) : 0.0;
}

double MeanEstimate::stderr_of_mean() const {
  if (count_ < 2) return 0.0;
  const double m = mean();
  const double var = sum_sq_ / static_cast<double>(count_) - m * m;
  return var > 0.0 ? std::sqrt(var / static_cast<double>(count_ - 1)) : 0.0;
}

double PerplexityEstimate::ppl() const { return count() > 0 ? std::exp(mean_nll()) : 0.0; }

double PerplexityEstimate::ppl_stderr() const { return ppl() * nll_.stderr_of_mean(); }

}  // namespace hearth::engine
