// The organisation's own nodes: their health, load and breakers, and the
// order in which a request tries them (least outstanding requests first,
// then the higher weight, then round-robin so equal nodes share the load).
// Thread-safe: the I/O thread plans, workers take and release slots, the
// health checker reports.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "gateway/breaker.h"
#include "gateway/config.h"

namespace hearth::gateway {

struct NodeStatus {
  std::string name;
  bool healthy = true;  // last active check (true until the first one says otherwise)
  int outstanding = 0;  // requests in flight through the gateway
  CircuitBreaker::State breaker = CircuitBreaker::State::closed;
  std::vector<std::string> models;  // configured, else learnt from /v1/models
};

class NodePool {
 public:
  NodePool(const std::vector<NodeConfig>& nodes, const HealthConfig& health);

  const std::vector<NodeConfig>& nodes() const { return configs_; }

  // Indices of the nodes that may take a request for `model` now, best
  // first. A node is eligible when it serves the model (or its list is not
  // known yet), its last health check passed, and its breaker allows.
  // Does not take any slot.
  std::vector<size_t> candidates(const std::string& model);
  // True when some node serves `model` and is eligible, but every such node
  // is at or over its max_in_flight.
  bool overloaded(const std::string& model);

  // Takes a slot on node i for one attempt; false when its breaker (now)
  // refuses (another thread took the half-open probe meanwhile).
  bool acquire(size_t i);
  // Ends the attempt: success closes the breaker, failure counts towards opening it.
  void release(size_t i, bool success);

  // From the health checker.
  void report_health(size_t i, bool ok, std::optional<std::vector<std::string>> models);

  std::vector<NodeStatus> status() const;
  // Union of the models all nodes serve (configured or learnt), sorted.
  std::set<std::string> models() const;

 private:
  struct Node {
    CircuitBreaker breaker;
    bool healthy = true;
    int outstanding = 0;
    std::vector<std::string> learnt;
  };
  bool serves(size_t i, const std::string& model) const;
  bool eligible(size_t i, const std::string& model, CircuitBreaker::Clock::time_point now) const;

  std::vector<NodeConfig> configs_;
  mutable std::mutex mu_;
  std::vector<Node> state_;
  uint64_t rotation_ = 0;
};

}  // namespace hearth::gateway
