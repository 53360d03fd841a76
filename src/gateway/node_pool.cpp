#include "gateway/node_pool.h"

#include <algorithm>
#include <numeric>

namespace hearth::gateway {

using Clock = CircuitBreaker::Clock;

NodePool::NodePool(const std::vector<NodeConfig>& nodes, const HealthConfig& health) : configs_(nodes) {
  const auto open_for = std::chrono::duration_cast<Clock::duration>(health.open_for);
  for (size_t i = 0; i < nodes.size(); ++i) state_.push_back(Node{CircuitBreaker(health.failures, open_for)});
}

bool NodePool::serves(size_t i, const std::string& model) const {
  const auto& list = configs_[i].models.empty() ? state_[i].learnt : configs_[i].models;
  if (configs_[i].models.empty() && state_[i].learnt.empty()) return true;  // not known yet: try it
  return std::find(list.begin(), list.end(), model) != list.end();
}

bool NodePool::eligible(size_t i, const std::string& model, Clock::time_point now) const {
  return serves(i, model) && state_[i].healthy && state_[i].breaker.would_allow(now);
}

std::vector<size_t> NodePool::candidates(const std::string& model) {
  std::lock_guard lock(mu_);
  const auto now = Clock::now();
  std::vector<size_t> out;
  for (size_t i = 0; i < configs_.size(); ++i) {
    if (eligible(i, model, now)) out.push_back(i);
  }
  // Rotate first so that a stable sort leaves equal nodes in turn order.
  const size_t n = configs_.size();
  const size_t start = n ? rotation_++ % n : 0;
  auto turn = [&](size_t i) { return (i + n - start) % n; };
  std::sort(out.begin(), out.end(), [&](size_t a, size_t b) {
    if (state_[a].outstanding != state_[b].outstanding) return state_[a].outstanding < state_[b].outstanding;
    if (configs_[a].weight != configs_[b].weight) return configs_[a].weight > configs_[b].weight;
    return turn(a) < turn(b);
  });
  return out;
}

bool NodePool::overloaded(const std::string& model) {
  std::lock_guard lock(mu_);
  const auto now = Clock::now();
  bool any = false;
  for (size_t i = 0; i < configs_.size(); ++i) {
    if (!eligible(i, model, now)) continue;
    any = true;
    if (state_[i].outstanding < configs_[i].max_in_flight) return false;
  }
  return any;
}

bool NodePool::acquire(size_t i) {
  std::lock_guard lock(mu_);
  if (!state_[i].breaker.allow(Clock::now())) return false;
  ++state_[i].outstanding;
  return true;
}

void NodePool::release(size_t i, bool success) {
  std::lock_guard lock(mu_);
  --state_[i].outstanding;
  if (success) {
    state_[i].breaker.record_success();
  } else {
    state_[i].breaker.record_failure(Clock::now());
  }
}

void NodePool::report_health(size_t i, bool ok, std::optional<std::vector<std::string>> models) {
  std::lock_guard lock(mu_);
  state_[i].healthy = ok;
  if (models) state_[i].learnt = std::move(*models);
  // A passing check is the breaker's probe too; a failing one counts.
  if (ok && state_[i].breaker.state() != CircuitBreaker::State::closed) {
    if (state_[i].breaker.allow(Clock::now())) state_[i].breaker.record_success();
  } else if (!ok) {
    state_[i].breaker.record_failure(Clock::now());
  }
}

std::vector<NodeStatus> NodePool::status() const {
  std::lock_guard lock(mu_);
  std::vector<NodeStatus> out;
  for (size_t i = 0; i < configs_.size(); ++i) {
    out.push_back({configs_[i].name, state_[i].healthy, state_[i].outstanding, state_[i].breaker.state(),
                   configs_[i].models.empty() ? state_[i].learnt : configs_[i].models});
  }
  return out;
}

std::set<std::string> NodePool::models() const {
  std::set<std::string> out;
  for (const auto& s : status()) out.insert(s.models.begin(), s.models.end());
  return out;
}

}  // namespace hearth::gateway
