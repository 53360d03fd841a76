#include "gateway/gateway_metrics.h"

#include <sstream>

namespace hearth::gateway {

namespace {

// A Prometheus label value: backslash, double quote and newline escaped
// (key ids come from the key file).
std::string label(const std::string& v) {
  std::string out;
  for (const char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

const char* to_string(Decision d) {
  switch (d) {
    case Decision::cache: return "cache";
    case Decision::node: return "node";
    case Decision::cloud: return "cloud";
    case Decision::failed: return "failed";
    case Decision::refused: return "refused";
  }
  return "?";
}

void GatewayMetrics::decision(Decision d) {
  std::lock_guard lock(mu_);
  ++decisions_[to_string(d)];
}

void GatewayMetrics::cache(bool hit) {
  std::lock_guard lock(mu_);
  ++(hit ? hits_ : misses_);
}

void GatewayMetrics::cloud_attempt(const std::string& cloud, bool ok) {
  std::lock_guard lock(mu_);
  ++cloud_[{cloud, ok}];
}

void GatewayMetrics::retry() {
  std::lock_guard lock(mu_);
  ++retries_;
}

void GatewayMetrics::key_request(const std::string& key_id) {
  std::lock_guard lock(mu_);
  ++keys_[key_id].requests;
}

void GatewayMetrics::key_refused(int status) {
  std::lock_guard lock(mu_);
  ++key_refusals_[status];
}

void GatewayMetrics::key_spend(const std::string& key_id, int64_t tokens, double usd) {
  std::lock_guard lock(mu_);
  KeyUse& k = keys_[key_id];
  k.cloud_tokens += tokens;
  k.cloud_usd += usd;
}

void GatewayMetrics::upstream_request(bool reused) {
  std::lock_guard lock(mu_);
  ++(reused ? reused_ : fresh_);
}

void GatewayMetrics::latency(double seconds) {
  std::lock_guard lock(mu_);
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++buckets_[i];
  }
  ++count_;
  sum_ += seconds;
}

std::string GatewayMetrics::render(const std::vector<NodeStatus>& nodes, size_t cache_entries, size_t cache_bytes) const {
  std::lock_guard lock(mu_);
  std::ostringstream o;
  o << "# HELP hearth_gateway_requests_total Requests by where their answer came from.\n"
       "# TYPE hearth_gateway_requests_total counter\n";
  for (const char* d : {"cache", "node", "cloud", "failed", "refused"}) {
    const auto it = decisions_.find(d);
    o << "hearth_gateway_requests_total{decision=\"" << d << "\"} " << (it == decisions_.end() ? 0 : it->second) << "\n";
  }
  o << "# HELP hearth_gateway_cache_lookups_total Cache lookups of cacheable requests.\n"
       "# TYPE hearth_gateway_cache_lookups_total counter\n"
       "hearth_gateway_cache_lookups_total{result=\"hit\"} " << hits_ << "\n"
       "hearth_gateway_cache_lookups_total{result=\"miss\"} " << misses_ << "\n"
       "# TYPE hearth_gateway_cache_entries gauge\nhearth_gateway_cache_entries " << cache_entries << "\n"
       "# TYPE hearth_gateway_cache_bytes gauge\nhearth_gateway_cache_bytes " << cache_bytes << "\n";
  o << "# HELP hearth_gateway_attempts_failed_total Upstream attempts that failed before the first byte (each retried elsewhere when a target is left).\n"
       "# TYPE hearth_gateway_attempts_failed_total counter\nhearth_gateway_attempts_failed_total " << retries_ << "\n";
  o << "# HELP hearth_gateway_upstream_requests_total Upstream requests answered, by connection: a reused keep-alive one or a new one.\n"
       "# TYPE hearth_gateway_upstream_requests_total counter\n"
       "hearth_gateway_upstream_requests_total{connection=\"reused\"} " << reused_ << "\n"
       "hearth_gateway_upstream_requests_total{connection=\"new\"} " << fresh_ << "\n";
  o << "# HELP hearth_gateway_upstream_up 1 when the node's last health check passed.\n"
       "# TYPE hearth_gateway_upstream_up gauge\n";
  for (const auto& n : nodes) o << "hearth_gateway_upstream_up{upstream=\"" << n.name << "\"} " << (n.healthy ? 1 : 0) << "\n";
  o << "# TYPE hearth_gateway_upstream_outstanding gauge\n";
  for (const auto& n : nodes) o << "hearth_gateway_upstream_outstanding{upstream=\"" << n.name << "\"} " << n.outstanding << "\n";
  o << "# HELP hearth_gateway_upstream_breaker_open 1 when the node's circuit breaker is open or half-open.\n"
       "# TYPE hearth_gateway_upstream_breaker_open gauge\n";
  for (const auto& n : nodes) {
    o << "hearth_gateway_upstream_breaker_open{upstream=\"" << n.name << "\"} "
      << (n.breaker == CircuitBreaker::State::closed ? 0 : 1) << "\n";
  }
  o << "# TYPE hearth_gateway_cloud_attempts_total counter\n";
  for (const auto& [k, v] : cloud_) {
    o << "hearth_gateway_cloud_attempts_total{cloud=\"" << k.first << "\",outcome=\"" << (k.second ? "ok" : "failed")
      << "\"} " << v << "\n";
  }
  o << "# HELP hearth_gateway_key_requests_total Proxied requests let in, by gateway key id (\"\": no key).\n"
       "# TYPE hearth_gateway_key_requests_total counter\n";
  for (const auto& [id, k] : keys_) o << "hearth_gateway_key_requests_total{key=\"" << label(id) << "\"} " << k.requests << "\n";
  o << "# HELP hearth_gateway_key_cloud_tokens_total Cloud tokens charged (prompt + completion), by gateway key id.\n"
       "# TYPE hearth_gateway_key_cloud_tokens_total counter\n";
  for (const auto& [id, k] : keys_) o << "hearth_gateway_key_cloud_tokens_total{key=\"" << label(id) << "\"} " << k.cloud_tokens << "\n";
  o << "# HELP hearth_gateway_key_cloud_spend_usd_total Cloud spend charged in USD, by gateway key id.\n"
       "# TYPE hearth_gateway_key_cloud_spend_usd_total counter\n";
  for (const auto& [id, k] : keys_) o << "hearth_gateway_key_cloud_spend_usd_total{key=\"" << label(id) << "\"} " << k.cloud_usd << "\n";
  o << "# HELP hearth_gateway_key_refusals_total Requests refused by the key check (401: no or a wrong key; 403: a model outside the key's routes).\n"
       "# TYPE hearth_gateway_key_refusals_total counter\n";
  for (const int status : {401, 403}) {
    const auto it = key_refusals_.find(status);
    o << "hearth_gateway_key_refusals_total{status=\"" << status << "\"} " << (it == key_refusals_.end() ? 0 : it->second) << "\n";
  }
  o << "# HELP hearth_gateway_first_byte_seconds Time from a request's arrival to its answer's first byte.\n"
       "# TYPE hearth_gateway_first_byte_seconds histogram\n";
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    o << "hearth_gateway_first_byte_seconds_bucket{le=\"" << kBuckets[i] << "\"} " << buckets_[i] << "\n";
  }
  o << "hearth_gateway_first_byte_seconds_bucket{le=\"+Inf\"} " << count_ << "\n"
    << "hearth_gateway_first_byte_seconds_sum " << sum_ << "\n"
    << "hearth_gateway_first_byte_seconds_count " << count_ << "\n";
  return o.str();
}

}  // namespace hearth::gateway
