// /metrics of the gateway (Prometheus text format 0.0.4): requests by route
// decision, cache hits and misses, each upstream's health, load and breaker,
// and a histogram of the time to the answer's first byte as the gateway
// measured it; per gateway key id (key="" for requests without a key):
// requests let in, cloud tokens and cloud spend; and requests refused by the
// key check, by status. Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "gateway/node_pool.h"

namespace hearth::gateway {

// Where a request's answer came from.
enum class Decision { cache, node, cloud, failed, refused };
const char* to_string(Decision d);

class GatewayMetrics {
 public:
  static constexpr std::array<double, 10> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2.5, 10};

  void decision(Decision d);
  void cache(bool hit);
  void cloud_attempt(const std::string& cloud, bool ok);
  void latency(double seconds);
  void retry();  // an attempt failed before the first byte and the next upstream is tried
  void key_request(const std::string& key_id);  // a request let in by the key check
  void key_refused(int status);                 // 401 (no or a wrong key) or 403 (model outside its routes)
  void key_spend(const std::string& key_id, int64_t tokens, double usd);  // a settled cloud answer
  void upstream_request(bool reused);  // an upstream answered (its head came) on a pooled or a new connection

  // nodes: the pool's status; cache_entries/bytes: the backend's size.
  std::string render(const std::vector<NodeStatus>& nodes, size_t cache_entries, size_t cache_bytes) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, uint64_t> decisions_;
  uint64_t hits_ = 0, misses_ = 0, retries_ = 0;
  uint64_t reused_ = 0, fresh_ = 0;  // upstream requests by connection
  std::map<std::pair<std::string, bool>, uint64_t> cloud_;
  std::array<uint64_t, kBuckets.size()> buckets_{};
  uint64_t count_ = 0;
  double sum_ = 0;
  struct KeyUse {
    uint64_t requests = 0;
    int64_t cloud_tokens = 0;
    double cloud_usd = 0;
  };
  std::map<std::string, KeyUse> keys_;
  std::map<int, uint64_t> key_refusals_;
};

}  // namespace hearth::gateway
