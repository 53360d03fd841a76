#include "engine/metrics.h"

#include <algorithm>

#include "core/error.h"

namespace hearth::engine {

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {
  if (!std::is_sorted(bounds_.begin(), bounds_.end()) ||
      std::adjacent_find(bounds_.begin(), bounds_.end()) != bounds_.end()) {
    throw Error("histogram bounds must be strictly increasing");
  }
}

void Histogram::observe(double value) {
  // The first bound >= value (Prometheus buckets are "less than or equal").
  const auto i = static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
  std::lock_guard lock(mu_);
  ++counts_[i];
  sum_ += value;
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.bounds = bounds_;
  std::lock_guard lock(mu_);
  uint64_t running = 0;
  for (const uint64_t c : counts_) {
    running += c;
    s.buckets.push_back(running);
  }
  s.count = running;
  s.sum = sum_;
  return s;
}

}  // namespace hearth::engine
