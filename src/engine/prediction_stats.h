// Statistics of next-token predictions, gathered one scored position at a
// time: the pieces `hearth perplexity` (engine/perplexity.h) reports.
//
// For a logits row l over the vocabulary, log p(i) = l(i) - logsumexp(l), in
// double (a vocabulary of 150k terms loses nothing in the sum).
//
// MeanEstimate: the mean of samples x_1..x_N with the standard error of that
// mean as the reference computes it,
//   mean   = (1/N) Σ x
//   var    = (1/N) Σ x² − mean²            (the population variance)
//   stderr = sqrt(var / (N − 1))           (0 when N < 2 or var <= 0)
//   rms    = sqrt((1/N) Σ x²)
// Perplexity is exp(mean NLL); its standard error is the first-order
// (delta-method) propagation of the NLL's: stderr(ppl) = ppl · stderr(NLL),
// since d exp(m) = exp(m) dm.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace hearth::engine {

// out[i] = log softmax(logits)[i]; out is resized to logits.size().
void log_softmax(std::span<const float> logits, std::vector<double>& out);

// Index of the largest value (the first one on ties).
int64_t argmax(std::span<const double> v);

// KL(p || q) = Σ_i p(i) (log p(i) − log q(i)) from log-probabilities of the
// same vocabulary (p(i) = exp(log_p(i))). >= 0 up to rounding, 0 when equal.
double kl_divergence(std::span<const double> log_p, std::span<const double> log_q);

class MeanEstimate {
 public:
  void add(double x) {
    sum_ += x;
    sum_sq_ += x * x;
    ++count_;
  }
  int64_t count() const { return count_; }
  double mean() const;
  double stderr_of_mean() const;
  double rms() const;

 private:
  double sum_ = 0.0, sum_sq_ = 0.0;
  int64_t count_ = 0;
};

// Perplexity of a run of scored tokens: each add() is the negative
// log-likelihood -log p(actual next token) of one position.
class PerplexityEstimate {
 public:
  void add_nll(double nll) { nll_.add(nll); }
  int64_t count() const { return nll_.count(); }
  double mean_nll() const { return nll_.mean(); }
  double ppl() const;          // exp(mean NLL); 0 when nothing was scored
  double ppl_stderr() const;   // ppl · stderr(NLL)

 private:
  MeanEstimate nll_;
};

}  // namespace hearth::engine
