// hearth gateway --config gateway.toml [--check] [--json]
// hearth gateway keys add|list|remove ...   (gateway_keys.cpp)
//
// One OpenAI-compatible endpoint in front of your own nodes (hearth serve,
// llama-server, Ollama, vLLM) with an answer cache, failover and a cloud
// burst policy per route (see gateway/gateway.h for the request flow and
// gateway/config.h / README "Gateway" for the configuration schema).
// --check validates the configuration and explains each error with its
// line:column; --json prints the check's summary as JSON.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/gateway_keys.h"
#include "core/error.h"
#include "gateway/audited_guard.h"
#include "gateway/config.h"
#include "gateway/gateway.h"
#include "gateway/keys.h"
#include "gateway/redis_client.h"
#include "gateway/stores.h"
#include "gateway/upstream_tls.h"
#include "server/http_server.h"

namespace hearth::cli {
namespace {

struct GatewayOptions {
  std::string config;
  bool check = false;
  bool json = false;
};

// What a Redis-backed store does, and a warning when its server does not answer here.
std::string redis_line(const std::string& what, const std::string& url, gateway::Seconds timeout,
                       const std::string& while_down, nlohmann::ordered_json& warnings) {
  const gateway::RedisEndpoint e = gateway::parse_redis_url(url);
  if (const std::string why = gateway::redis_probe(e, timeout); !why.empty()) {
    warnings.push_back(what + ": Redis at " + e.describe() + " does not answer here (" + why + "); " + while_down);
  }
  return what + ": redis at " + e.describe() + ", shared by every gateway replica; Redis down: " + while_down;
}

// The configuration summarised for --check; warnings for what would stop a start.
// keys: the number of gateway API keys in [keys] path.
int check(const gateway::GatewayConfig& c, const std::string& path, bool json, size_t keys) {
  nlohmann::ordered_json warnings = nlohmann::ordered_json::array();
  for (const auto& w : gateway::unverified_upstreams(c)) warnings.push_back(w);
  const std::vector<std::string> tls = gateway::describe_upstream_tls(c);
  for (const auto& cl : c.clouds) {
    const char* key = std::getenv(cl.api_key_env.c_str());
    if (!key || !*key) warnings.push_back("cloud \"" + cl.name + "\": " + cl.api_key_env + " is not set here");
  }
  std::vector<std::string> redis;
  if (c.cache.backend == "redis") {
    redis.push_back(redis_line("cache", c.cache.url, c.cache.timeout,
                               "every request is a miss (entries expire after ttl; the server's maxmemory "
                               "policy bounds the size, max_bytes one answer)",
                               warnings));
  }
  if (c.budgets.backend == "redis") {
    redis.push_back(redis_line("budgets", c.budgets.url, c.budgets.timeout,
                               "cloud requests are refused with 503 (budgets fail closed)", warnings));
  }
  if (json) {
    nlohmann::ordered_json j = {{"config", path}, {"ok", true},
                                {"listen", c.host + ":" + std::to_string(c.port)},
                                {"cache", c.cache.backend},
                                {"nodes", c.nodes.size()}, {"clouds", c.clouds.size()},
                                {"routes", c.routes.size()}, {"audit", c.audit.path}, {"warnings", warnings},
                                {"budgets", c.budgets.backend}, {"redis", redis}};
    j["tls"] = tls;
    if (!c.keys.path.empty()) j["keys"] = {{"path", c.keys.path}, {"keys", keys}, {"required", c.keys.required}};
    j["upstream"] = {{"workers", c.upstream.workers}, {"idle_connections", c.upstream.idle_connections},
                     {"idle_timeout_s", c.upstream.idle_timeout.count()}};
    std::printf("%s\n", j.dump(2).c_str());
    return 0;
  }
  std::printf("%s: ok — listen %s:%u, cache %s, %zu node(s), %zu cloud(s), %zu route(s)\n", path.c_str(),
              c.host.c_str(), c.port, c.cache.backend.c_str(), c.nodes.size(), c.clouds.size(), c.routes.size());
  for (const auto& r : c.routes) {
    std::printf("  route \"%s\": cloud %s%s\n", r.model.c_str(), gateway::to_string(r.cloud),
                r.cloud_opt_in ? " (opt-in: x-hearth-cloud: allow)" : "");
  }
  if (!c.audit.path.empty()) std::printf("  audit log: %s\n", c.audit.path.c_str());
  for (const auto& n : c.nodes) {
    if (!n.api_key_env.empty()) std::printf("  node \"%s\": sends the API key in $%s\n", n.name.c_str(), n.api_key_env.c_str());
  }
  std::printf("  upstream: %zu worker(s); keep-alive: up to %zu idle connection(s) per upstream, closed after %g s idle\n",
              c.upstream.workers, c.upstream.idle_connections, c.upstream.idle_timeout.count());
  for (const auto& line : redis) std::printf("  %s\n", line.c_str());
  for (const auto& line : tls) std::printf("  %s\n", line.c_str());
  if (!c.keys.path.empty()) {
    std::printf("  API keys: %zu in %s (%s)\n", keys, c.keys.path.c_str(),
                c.keys.required ? "every request needs one" : "optional");
  }
  for (const auto& w : warnings) std::printf("  warning: %s\n", w.get<std::string>().c_str());
  return 0;
}

int run(const GatewayOptions& o) {
  gateway::GatewayConfig c = gateway::load_config(o.config);
  gateway::require_cloud_audit(c, o.config);
  if (!c.audit.path.empty()) gateway::check_audited_guard(c);  // bad rules or prices stop --check too
  // A bad key file stops --check and the start (before the port is bound).
  const size_t keys = c.keys.path.empty() ? 0 : gateway::KeyStore::load(c.keys.path).keys().size();
  gateway::make_upstream_tls(c);  // a ca_file that holds no PEM certificate stops --check and the start
  gateway::node_keys(c);  // a node's missing key stops --check and the start: its requests would all fail
  if (o.check) return check(c, o.config, o.json, keys);
  gateway::cloud_keys(c);  // a missing key stops the start before the port is bound
  auto cache = gateway::make_cache_store(c.cache);
  server::ServerConfig sc;
  sc.host = c.host;
  sc.port = c.port;
  server::HttpServer http(sc);  // outlives the gateway, whose workers deliver to its connections
  // [audit]: every cloud request is redacted, budgeted and audited (audited_guard.h).
  auto guard = c.audit.path.empty() ? nullptr : gateway::make_audited_guard(c);
  gateway::Gateway gw(c, std::move(cache), guard);
  for (const auto& w : gateway::unverified_upstreams(c)) std::fprintf(stderr, "hearth gateway: WARNING: %s\n", w.c_str());
  gw.start_health_checks();
  std::fprintf(stderr, "hearth gateway: %zu node(s), %zu cloud(s); listening on http://%s:%u\n", c.nodes.size(),
               c.clouds.size(), c.host.c_str(), http.port());
  http.run([&gw](const server::HttpRequest& r) { return gw.handle(r); });
  return 0;
}

}  // namespace

void register_gateway(CLI::App& app, Handler& handler) {
  auto o = std::make_shared<GatewayOptions>();
  auto* cmd = app.add_subcommand("gateway",
                                 "One OpenAI-compatible endpoint over your nodes and clouds: cache, failover, cloud policy");
  cmd->add_option("--config", o->config, "The gateway's TOML configuration (schema: README, section Gateway); required to serve or --check");
  cmd->add_flag("--check", o->check, "Validate the configuration and explain its errors; do not serve");
  cmd->add_flag("--json", o->json, "With --check: print the summary as JSON");
  CLI::App* keys = register_gateway_keys(*cmd, handler);
  cmd->callback([o, &handler, keys] {
    if (keys->parsed()) return;  // `gateway keys ...` set its own handler
    if (o->config.empty()) throw CLI::RequiredError("--config");
    handler = [o] { return run(*o); };
  });
}

}  // namespace hearth::cli
