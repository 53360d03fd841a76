#include "gateway/gateway.h"

#include <chrono>
#include <cstdlib>
#include <set>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "gateway/cache_replay.h"
#include "gateway/canonical.h"
#include "gateway/relay_stream.h"
#include "gateway/route_plan.h"
#include "gateway/stream_format.h"
#include "gateway/stream_usage.h"
#include "gateway/upstream_call.h"
#include "server/anthropic.h"
#include "server/api_error.h"

namespace hearth::gateway {

using Json = nlohmann::json;
using server::HttpReply;
using server::HttpRequest;
using SteadyClock = std::chrono::steady_clock;

namespace {

const std::set<std::string> kProxied = {"/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/messages"};
// Request headers a node or cloud needs to see as the client sent them.
const std::vector<std::string> kForwarded = {"anthropic-version", "anthropic-beta"};

HttpReply error(const std::string& path, int status, const std::string& type, const std::string& message,
                const std::string& code = {}) {
  return server::error_reply(server::ApiError(status, type, message, {}, code), 1,
                             is_anthropic_path(path) ? server::anthropic::error_body : server::error_body);
}

// The refusal of the key check, in the dialect's shape; 401 says how to authenticate.
HttpReply refusal(const std::string& path, const Caller& caller) {
  HttpReply r = error(path, caller.status, caller.status == 401 ? "invalid_request_error" : "permission_error",
                      caller.message, caller.code);
  if (caller.status == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer");
  return r;
}

HttpReply stream_reply(std::shared_ptr<RelayStream> source) {
  HttpReply r;
  r.content_type = "text/event-stream";
  r.source = std::move(source);
  r.streamed = true;
  return r;
}

}  // namespace

// One proxied request, from the I/O thread to a worker.
struct Gateway::Job {
  std::string path, body_text, model, cloud_header;
  std::string key_id;  // the caller's gateway key id ("" without one)
  Json body;
  bool stream = false;
  std::optional<std::string> key;  // set when cacheable
  RouteConfig route;
  std::vector<std::pair<std::string, std::string>> forward;
  std::function<void(HttpReply)> deliver;
  SteadyClock::time_point arrived;
};

namespace {

ConnectionPoolLimits pool_limits(const UpstreamConfig& u) {
  ConnectionPoolLimits l;
  l.max_idle_per_upstream = u.idle_connections;
  l.idle_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(u.idle_timeout);
  return l;
}

}  // namespace

Gateway::Gateway(GatewayConfig config, std::unique_ptr<CacheStore> cache, std::shared_ptr<CloudGuard> guard)
    : config_(std::move(config)), cache_(std::move(cache)),
      guard_(guard ? std::move(guard) : std::make_shared<CloudGuard>()),
      cloud_keys_(cloud_keys(config_)), tls_(make_upstream_tls(config_)),
      node_keys_(node_keys(config_)), keys_(KeyGate::from_config(config_.keys)),
      pool_(config_.nodes, config_.health), connections_(pool_limits(config_.upstream)),
      workers_(config_.upstream.workers) {
  share_key_budgets(keys_, guard_);  // a key added while the gateway runs is capped before its first use
}

namespace {

// The API key of upstream `name` from the environment variable `var`.
std::string key_from_env(const std::string& kind, const std::string& name, const std::string& var) {
  const char* key = std::getenv(var.c_str());
  if (!key || !*key) {
    throw Error(kind + " \"" + name + "\": the environment variable " + var + " (its api_key_env) is not set; export the " +
                kind + "'s API key in it");
  }
  return key;
}

}  // namespace

std::vector<std::string> cloud_keys(const GatewayConfig& config) {
  std::vector<std::string> keys;
  for (const auto& c : config.clouds) keys.push_back(key_from_env("cloud", c.name, c.api_key_env));
  return keys;
}

std::vector<std::string> node_keys(const GatewayConfig& config) {
  std::vector<std::string> keys;
  for (const auto& n : config.nodes) keys.push_back(n.api_key_env.empty() ? "" : key_from_env("node", n.name, n.api_key_env));
  return keys;
}

Gateway::~Gateway() {
  {
    std::lock_guard lock(health_mu_);
    stopping_ = true;
  }
  health_cv_.notify_all();
  if (health_.joinable()) health_.join();
}

HttpReply Gateway::handle(const HttpRequest& request) {
  const std::string& path = request.path;
  if (request.method == "GET" && path == "/health") return health_reply();
  if (request.method == "GET" && path == "/metrics") {
    HttpReply r;
    r.content_type = "text/plain; version=0.0.4";
    r.body = metrics_.render(pool_.status(), cache_ ? cache_->entries() : 0, cache_ ? cache_->bytes() : 0);
    return r;
  }
  if (request.method == "GET" && path == "/v1/models") {
    const Caller caller = keys_.identify(request);
    return caller.refused() ? refused(path, caller) : models_reply(caller);
  }
  if (kProxied.count(path)) {
    if (request.method != "POST") return error(path, 405, "invalid_request_error", path + " takes POST");
    return proxy(request, path);
  }
  return error(path, 404, "not_found_error",
               "the gateway serves no " + request.method + " " + path +
                   " (it serves /v1/chat/completions, /v1/completions, /v1/embeddings, /v1/messages, "
                   "/v1/models, /health and /metrics)");
}

HttpReply Gateway::refused(const std::string& path, const Caller& caller) {
  metrics_.key_refused(caller.status);
  return refusal(path, caller);
}

HttpReply Gateway::proxy(const HttpRequest& request, const std::string& path) {
  // Who asks comes first: a caller without a valid key learns nothing else.
  Caller caller = keys_.identify(request);
  if (caller.refused()) return refused(path, caller);
  auto job = std::make_shared<Job>();
  job->arrived = SteadyClock::now();
  job->path = path;
  job->body_text = request.body;
  job->body = Json::parse(request.body, nullptr, false);
  if (job->body.is_discarded() || !job->body.is_object()) {
    return error(path, 400, "invalid_request_error", "the request body must be a JSON object");
  }
  const auto model = job->body.find("model");
  if (model == job->body.end() || !model->is_string() || model->get<std::string>().empty()) {
    return error(path, 400, "invalid_request_error", "the request needs \"model\" (a string): the gateway routes by it");
  }
  job->model = model->get<std::string>();
  caller = keys_.may_use(std::move(caller), job->model);
  if (caller.refused()) return refused(path, caller);
  job->key_id = caller.id();
  metrics_.key_request(job->key_id);
  job->stream = job->body.value("stream", false) == true;
  job->route = route_for(config_, job->model);
  job->cloud_header = request.header("x-hearth-cloud");
  for (const auto& h : kForwarded) {
    if (!request.header(h).empty()) job->forward.emplace_back(h, request.header(h));
  }

  if (cache_ && cacheable(job->route.cache, path, job->body)) {
    job->key = cache_key(path, job->body);
    if (auto hit = cache_->get(*job->key)) {
      std::optional<std::string> text = replay_body(path, job->body, *hit);
      if (text) {
        metrics_.cache(true);
        metrics_.decision(Decision::cache);
        metrics_.latency(std::chrono::duration<double>(SteadyClock::now() - job->arrived).count());
        HttpReply r;
        if (job->stream) {
          auto relay = std::make_shared<RelayStream>();
          relay->push(*text);
          relay->finish();
          r = stream_reply(relay);
        } else {
          r.content_type = hit->content_type;
          r.body = std::move(*text);
        }
        r.headers.emplace_back("x-hearth-cache", "hit");
        return r;
      }
    }
    metrics_.cache(false);
  }

  HttpReply r;
  r.deferred = [this, job](std::function<void(HttpReply)> deliver) {
    job->deliver = std::move(deliver);
    workers_.submit([this, job] { run_job(job); });
  };
  return r;
}

namespace {

// What one attempt at one upstream came to.
struct AttemptSetup {
  std::string name;
  Url url;
  Seconds timeout{30};
  TlsContext* tls = nullptr;  // for https
  UpstreamRequest request;
  std::optional<CloudRequest> cloud;  // set for a cloud
  bool strip_usage = false;           // the gateway asked for a usage chunk the client did not
};

}  // namespace

void Gateway::run_job(const std::shared_ptr<Job>& job) {
  PlanInput in;
  in.policy = job->route.cloud;
  // Clouds speak the OpenAI dialect: Anthropic's /v1/messages stays on the nodes.
  in.cloud_permitted = cloud_permitted(job->route, job->cloud_header) && !is_anthropic_path(job->path);
  in.nodes = pool_.candidates(job->model);
  in.overloaded = pool_.overloaded(job->model);
  for (size_t i = 0; i < config_.clouds.size(); ++i) {
    if (cloud_model(config_.clouds[i], job->model)) in.clouds.push_back(i);
  }
  const std::vector<Target> targets = plan_targets(in);

  auto first_byte = [&] { metrics_.latency(std::chrono::duration<double>(SteadyClock::now() - job->arrived).count()); };
  auto with_headers = [&](HttpReply r, const std::string& upstream) {
    if (job->key) r.headers.emplace_back("x-hearth-cache", "miss");
    r.headers.emplace_back("x-hearth-upstream", upstream);
    return r;
  };

  // What every node attempt sends: the client's body, or for a stream to
  // cache one that asks for the usage chunk, stored with it for the clients
  // that ask (cache_replay.h). Built once, not per attempt.
  std::string node_body = job->body_text;
  bool node_strips_usage = false;  // the client did not ask for that chunk
  if (job->key && job->stream && !is_anthropic_path(job->path)) {
    Json body = job->body;
    node_strips_usage = ask_stream_usage(body);
    node_body = body.dump();
  }

  std::string last_error;
  for (const Target& t : targets) {
    const bool is_cloud = t.kind == Target::Kind::cloud;
    AttemptSetup a;
    a.request.path = job->path;
    a.request.headers = job->forward;
    if (is_cloud) {
      const CloudConfig& c = config_.clouds[t.index];
      Json body = job->body;
      body["model"] = *cloud_model(c, job->model);
      // Before the guard, so the audited body is the one sent.
      a.strip_usage = ask_stream_usage(body);
      a.cloud = CloudRequest{c.name, job->path, job->model, body["model"], job->route.model, job->key_id, body.dump()};
      // ---- CLOUD GUARD CALL SITE --------------------------------------------
      // The request is about to leave for a cloud: the audit record, redaction
      // and budget checks (CloudGuard) run here, before any byte is sent.
      const CloudVerdict verdict = guard_->before_send(*a.cloud);
      if (!verdict.allowed) {
        metrics_.decision(Decision::refused);
        const char* type = verdict.status == 429 ? "rate_limit_error" : verdict.status >= 500 ? "api_error" : "permission_error";
        return job->deliver(error(job->path, verdict.status, type, verdict.reason, "cloud_refused"));
      }
      a.request.body = a.cloud->body;
      a.request.headers.emplace_back("Authorization", "Bearer " + cloud_keys_[t.index]);
      a.name = c.name, a.url = c.url, a.timeout = c.timeout, a.tls = tls_.clouds[t.index].get();
    } else {
      const NodeConfig& n = config_.nodes[t.index];
      if (!pool_.acquire(t.index)) {
        last_error = n.name + ": its circuit breaker is open";
        continue;
      }
      a.strip_usage = node_strips_usage;
      a.request.body = node_body;
      if (!node_keys_[t.index].empty()) a.request.headers.emplace_back("Authorization", "Bearer " + node_keys_[t.index]);
      a.name = n.name, a.url = n.url, a.timeout = n.timeout, a.tls = tls_.nodes[t.index].get();
    }

    // Ends the attempt: the node's slot and breaker, the cloud's metrics and guard.
    auto settle = [&](bool ok, int status, const std::string& body) {
      if (is_cloud) {
        metrics_.cloud_attempt(a.name, ok);
        const CloudCharge charge = guard_->after_response(*a.cloud, status, body);
        metrics_.key_spend(job->key_id, charge.tokens, charge.usd);
      } else {
        pool_.release(t.index, ok);
      }
    };

    UpstreamCall call(a.url, config_.health.connect_timeout, a.timeout, &connections_, a.tls);
    if (!call.start(a.request)) {
      last_error = call.error() + " (" + (is_cloud ? "cloud " : "node ") + a.name + ")";
      settle(false, 0, "");
      metrics_.retry();
      continue;
    }
    metrics_.upstream_request(call.reused());
    const int status = call.status();
    const bool sse = call.header("content-type").rfind("text/event-stream", 0) == 0;
    if (status >= 500 || !sse) {
      std::string body;
      while (call.next(body)) {
      }
      if (status >= 500 || call.failed()) {  // nothing reached the client yet: try the next upstream
        last_error = call.failed() ? call.error() : a.name + " answered HTTP " + std::to_string(status) + ": " + body.substr(0, 300);
        settle(false, status, body);
        metrics_.retry();
        continue;
      }
      settle(true, status, body);
      metrics_.decision(is_cloud ? Decision::cloud : Decision::node);
      first_byte();
      if (job->key && status == 200 && answer_ok(body)) {
        CachedAnswer ans;
        ans.json = body;
        cache_->put(*job->key, ans);
      }
      HttpReply r;
      r.status = status;
      const std::string ct = call.header("content-type");
      r.content_type = ct.empty() ? "application/json" : ct;
      r.body = std::move(body);
      return job->deliver(with_headers(std::move(r), a.name));
    }

    // A stream: the first chunk commits the answer to this upstream.
    std::string first;
    bool more = true;
    while (first.empty() && more) more = call.next(first);
    if (first.empty()) {
      last_error = call.failed() ? call.error() : a.name + " ended its stream without any event";
      settle(false, status, "");
      metrics_.retry();
      continue;
    }
    metrics_.decision(is_cloud ? Decision::cloud : Decision::node);
    first_byte();
    auto relay = std::make_shared<RelayStream>();
    UsageChunkFilter to_client(a.strip_usage);
    relay->push(to_client.pass(first));
    job->deliver(with_headers(stream_reply(relay), a.name));
    std::string all = std::move(first);  // as the upstream sent it
    while (more && !relay->cancelled() && !stopping_) {
      std::string chunk;
      more = call.next(chunk);
      if (!chunk.empty()) {
        std::string out = to_client.pass(chunk);
        if (!out.empty()) relay->push(out);
      }
      all += chunk;
    }
    if (std::string rest = to_client.flush(); !rest.empty()) relay->push(rest);
    const bool complete = stream_complete(job->path, all);
    if (!complete && !relay->cancelled()) {
      const std::string why = stopping_ ? "the gateway is shutting down"
                              : call.failed() ? call.error()
                                              : a.name + " ended the stream before its end";
      relay->push(stream_error_events(job->path, "upstream " + a.name + " failed mid-stream: " + why));
    }
    settle(complete || relay->cancelled(), status, all);
    if (complete && job->key) {
      CachedAnswer ans;
      ans.content_type = "text/event-stream";
      ans.sse = std::move(all);  // as the upstream sent it, usage chunk included (cache_replay.h)
      cache_->put(*job->key, ans);
    }
    relay->finish();
    return;
  }

  metrics_.decision(Decision::failed);
  if (targets.empty()) {
    const bool cloud_blocked = job->route.cloud != CloudPolicy::never && !in.cloud_permitted;
    return job->deliver(error(job->path, 503, "server_error",
                              "no upstream is available for model \"" + job->model + "\" (every node is down, " +
                                  "has its breaker open or does not serve it" +
                                  (cloud_blocked ? "; the cloud was not allowed for this request" : "") + ")",
                              "no_upstream"));
  }
  job->deliver(error(job->path, 502, "server_error",
                     "every upstream failed for model \"" + job->model + "\"; the last error: " + last_error,
                     "upstream_failed"));
}

void Gateway::check_health_once() {
  for (size_t i = 0; i < config_.nodes.size(); ++i) {
    const NodeConfig& n = config_.nodes[i];
    UpstreamCall call(n.url, config_.health.connect_timeout, std::min(n.timeout, Seconds(5)), nullptr,
                      tls_.nodes[i].get());
    UpstreamRequest req;
    req.method = "GET";
    req.path = "/v1/models";
    if (!node_keys_[i].empty()) req.headers.emplace_back("Authorization", "Bearer " + node_keys_[i]);
    bool ok = call.start(req) && call.status() == 200;
    std::optional<std::vector<std::string>> models;
    if (ok) {
      std::string body;
      while (call.next(body)) {
      }
      const Json j = Json::parse(body, nullptr, false);
      ok = !call.failed() && j.is_object() && j.contains("data") && j["data"].is_array();
      if (ok) {
        models.emplace();
        for (const auto& m : j["data"]) {
          if (m.is_object() && m.contains("id") && m["id"].is_string()) models->push_back(m["id"]);
        }
      }
    }
    if (!ok) connections_.drop(pool_key(n.url));
    pool_.report_health(i, ok, std::move(models));
  }
  connections_.close_expired();
}

void Gateway::start_health_checks() {
  health_ = std::thread([this] {
    std::unique_lock lock(health_mu_);
    while (!stopping_) {
      lock.unlock();
      check_health_once();
      lock.lock();
      health_cv_.wait_for(lock, config_.health.interval, [&] { return stopping_.load(); });
    }
  });
}

HttpReply Gateway::models_reply(const Caller& caller) const {
  Json data = Json::array();
  for (const auto& m : pool_.models()) {
    if (!keys_.allows(caller, m)) continue;  // a key sees only the models of its routes
    data.push_back({{"id", m}, {"object", "model"}, {"created", 0}, {"owned_by", "hearth-gateway"}});
  }
  HttpReply r;
  r.body = Json{{"object", "list"}, {"data", data}}.dump();
  return r;
}

HttpReply Gateway::health_reply() const {
  Json nodes = Json::array();
  bool any = false;
  for (const auto& n : pool_.status()) {
    any = any || (n.healthy && n.breaker == CircuitBreaker::State::closed);
    nodes.push_back({{"name", n.name}, {"healthy", n.healthy}, {"outstanding", n.outstanding},
                     {"breaker", to_string(n.breaker)}});
  }
  HttpReply r;
  r.body = Json{{"status", any || config_.nodes.empty() ? "ok" : "degraded"}, {"nodes", nodes}}.dump();
  return r;
}

}  // namespace hearth::gateway
