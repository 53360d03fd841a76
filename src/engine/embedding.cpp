#include "engine/embedding.h"

#include <cmath>

#include "core/error.h"

namespace hearth::engine {

void MeanPool::add(std::span<const float> hidden) {
  if (hidden.size() != sum_.size()) throw Error("embedding: hidden state width does not match n_embd");
  for (size_t i = 0; i < sum_.size(); ++i) sum_[i] += hidden[i];
  ++count_;
}

std::vector<float> MeanPool::normalised_mean() const {
  std::vector<float> out(sum_.size(), 0.0f);
  if (count_ == 0) return out;
  for (size_t i = 0; i < sum_.size(); ++i) out[i] = static_cast<float>(sum_[i] / static_cast<double>(count_));
  l2_normalise(out);
  return out;
}

void l2_normalise(std::span<float> v) {
  double ss = 0;
  for (const float x : v) ss += static_cast<double>(x) * x;
  if (ss <= 0) return;
  const auto inv = static_cast<float>(1.0 / std::sqrt(ss));
  for (float& x : v) x *= inv;
}

}  // namespace hearth::engine
