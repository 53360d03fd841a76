#include "sampling/sampler.h"

#include <string>

#include "core/error.h"

namespace hearth::sampling {
namespace {

const SamplingParams& validated(const SamplingParams& params) {
  params.validate();
  return params;
}

// A fresh seed when the caller gave none: 64 bits from the OS entropy source.
uint64_t choose_seed(const SamplingParams& params) {
  if (params.seed) return *params.seed;
  std::random_device device;
  return (static_cast<uint64_t>(device()) << 32) ^ static_cast<uint64_t>(device());
}

}  // namespace

Sampler::Sampler(const SamplingParams& params)
    : params_(validated(params)),
      seed_(choose_seed(params)),
      rng_(seed_),
      history_(params.repeat_last_n) {}

int32_t Sampler::sample(std::span<const float> logits) {
  const int32_t token = choose(logits);
  if (constraint_) constraint_->accept(token);
  return token;
}

int32_t Sampler::choose(std::span<const float> logits) {
  check_logits(logits);
  std::span<const float> scores = logits;
  if (constraint_ || params_.has_penalties()) {
    logits_.assign(logits.begin(), logits.end());
    if (constraint_) constraint_->mask(logits_);
    if (params_.has_penalties()) apply_penalties(logits_, history_, params_);
    scores = logits_;
    try {
      check_logits(scores);  // extreme penalties can overflow a logit
    } catch (const Error& e) {
      throw Error(std::string(e.what()) + " (after repetition penalties)");
    }
  }
  if (params_.greedy()) return argmax(scores);

  candidates_.fill_top_k(scores, static_cast<size_t>(params_.top_k));
  keep_top_p(candidates_, params_.top_p);
  keep_min_p(candidates_, params_.min_p);
  const double total = softmax_weights(candidates_.items, params_.temperature, weights_);
  return candidates_.items[draw_index(weights_, total, next_uniform())].id;
}

void Sampler::accept(int32_t token) { history_.push(token); }

void Sampler::set_constraint(std::unique_ptr<TokenConstraint> constraint) {
  constraint_ = std::move(constraint);
}

void Sampler::reset() {
  history_.clear();
  if (constraint_) constraint_->reset();
  rng_.seed(seed_);
}

double Sampler::next_uniform() {
  return static_cast<double>(rng_() >> 11) * 0x1.0p-53;
}

}  // namespace hearth::sampling
