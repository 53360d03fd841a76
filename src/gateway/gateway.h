// hearth gateway: one OpenAI-compatible endpoint in front of the
// organisation's nodes and, as each route's policy allows, cloud upstreams.
//
// Request flow (HttpServer's I/O thread, then a worker):
//
//   client ──> handle() ── GET /health, /metrics: answered at once, no key asked for
//                │          GET /v1/models: the key check, then the models the key may use
//                │
//                ├─ POST /v1/chat/completions | /v1/completions | /v1/embeddings | /v1/messages
//                │    the key check (key_gate.h, with [keys]): 401 no or a wrong key
//                │    parse JSON (400 naming the problem); 403 a model outside the key's routes;
//                │    route = first glob match on "model"
//                │    cacheable? ──> cache get ──hit──> reply now (a stream request gets SSE, its
//                │                        │        usage chunk only if it asked: cache_replay.h)
//                │                        └─miss─┐                       x-hearth-cache: hit
//                └──── deferred reply ──> worker: plan_targets (route_plan.h)
//                         for each target (node: least outstanding first, include_usage for a
//                                          stream to cache; cloud: key, model map,
//                                          stream_options.include_usage for a stream
//                                          (stream_usage.h), CloudGuard::before_send with
//                                          the caller's key id):
//                           connect/5xx/timeout/broken body before the first byte: next target
//                           else answer ── JSON: whole body, cached when complete and 200
//                                      └── SSE:  first chunk commits, then chunk by chunk
//                                                (a usage-only chunk the gateway asked for
//                                                dropped unless the client asked for it too);
//                                                a failure after it ends the stream with an
//                                                error event + [DONE]; cached (as the upstream
//                                                sent it) only when it reached its terminator
//                         no target left: 502 (503 when none was up) naming the last error
//
// Active health checks (GET /v1/models every health.interval) feed NodePool:
// health, learnt model lists and the breakers' probes. Upstream requests
// reuse keep-alive connections (ConnectionPool); a node that fails its check
// loses its idle ones, and each check closes those idle past their timeout.
// An https upstream is the same flow over TLS (upstream_tls.h): a failed
// handshake is a connect failure (next target; the node's breaker and
// health count it).
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gateway/cache.h"
#include "gateway/cloud_guard.h"
#include "gateway/config.h"
#include "gateway/connection_pool.h"
#include "gateway/gateway_metrics.h"
#include "gateway/key_gate.h"
#include "gateway/node_pool.h"
#include "gateway/upstream_tls.h"
#include "gateway/worker_pool.h"
#include "server/http_types.h"

namespace hearth::gateway {

// Each cloud's API key from its api_key_env, in config order; throws Error
// naming the variable when one is unset (called before binding the port).
std::vector<std::string> cloud_keys(const GatewayConfig& config);
// Each node's API key from its api_key_env ("" for a node without one), in
// config order; throws Error naming the variable when one is unset.
std::vector<std::string> node_keys(const GatewayConfig& config);

class Gateway {
 public:
  // Reads each cloud's and node's key (cloud_keys(), node_keys()) and, with [keys], the gateway's
  // key file (KeyGate::from_config; IoError / FormatError naming it).
  // guard: null = let everything pass (cloud_guard.h). The workers and the
  // keep-alive pool's limits come from config.upstream.
  Gateway(GatewayConfig config, std::unique_ptr<CacheStore> cache, std::shared_ptr<CloudGuard> guard);
  ~Gateway();  // stops the health checks, then waits for the workers

  // The one handler (server/http_types.h); replies that need an upstream
  // come back deferred.
  server::HttpReply handle(const server::HttpRequest& request);

  // Starts the active health checks (a thread; stopped by the destructor).
  void start_health_checks();

  NodePool& pool() { return pool_; }

 private:
  struct Job;
  server::HttpReply proxy(const server::HttpRequest& request, const std::string& path);
  server::HttpReply refused(const std::string& path, const Caller& caller);  // counted, in the dialect's shape
  void run_job(const std::shared_ptr<Job>& job);
  void check_health_once();
  server::HttpReply models_reply(const Caller& caller) const;
  server::HttpReply health_reply() const;

  GatewayConfig config_;
  std::unique_ptr<CacheStore> cache_;
  std::shared_ptr<CloudGuard> guard_;
  std::vector<std::string> cloud_keys_;
  UpstreamTls tls_;  // before the pool and the workers, which use it
  std::vector<std::string> node_keys_;  // "" for a node without a key
  KeyGate keys_;  // the gateway's own API keys ([keys]); open (every caller anonymous) without
  NodePool pool_;
  ConnectionPool connections_;  // idle keep-alive connections to the upstreams
  GatewayMetrics metrics_;

  std::mutex health_mu_;
  std::condition_variable health_cv_;
  std::atomic<bool> stopping_{false};  // health checks and relayed streams end
  std::thread health_;
  WorkerPool workers_;  // last: joined first, while everything it uses still lives
};

}  // namespace hearth::gateway
