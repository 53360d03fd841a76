// The gateway's configuration (gateway.toml), its full schema in one place.
// Every field has a default except nodes[].url, clouds[].url and
// clouds[].api_key_env. Unknown keys are errors (a typo must not be
// silently ignored), reported with line:column like parse errors.
//
//   listen = "127.0.0.1:4400"
//   [cache]   backend = "memory" | "sqlite" (with path) | "redis" (with url),
//             ttl = 3600 (s), max_entries = 10000, max_bytes = 268435456,
//             url = "redis://[:password@]host[:port][/db]" or "unix:/path.sock[?db=N]"
//             (redis_url.h), timeout = 1.0 (s: Redis connect and command timeout).
//             With Redis, entries are keys "hearth:cache:<request hash>" with the TTL;
//             max_entries and overall size are the server's job (maxmemory with an
//             allkeys-lru or volatile-lru policy): the gateway only refuses one answer
//             larger than max_bytes. Redis down: every request is a miss, nothing fails.
//   [health]  interval = 2.0 (s), failures = 3 (breaker opens after K consecutive),
//             open_for = 5.0 (s before a half-open probe), connect_timeout = 2.0 (s)
//   [[nodes]] name, url (http:// or https://), models = [..] (default: what its /v1/models lists),
//             weight = 1, timeout = 30.0 (s to the first byte — the whole answer when
//             not streamed — and between chunks),
//             max_in_flight = 32 (more counts as overloaded),
//             api_key_env = "NODE_KEY" (the variable holding the node's API key, sent as
//             Authorization: Bearer to it and its health checks; absent: no key)
//   [[clouds]] name, url, api_key_env, timeout = 60.0, models = { local = "cloud" }
//   TLS, in any [[nodes]] or [[clouds]] entry with an https:// url (tls_context.h):
//             ca_file = "ca.pem" (trust this PEM bundle instead of the system CA store;
//             must be readable), tls_verify = true (false: no certificate check at all;
//             the CLI warns at start and in --check; not together with ca_file)
//   [[routes]] model = "*" (glob), cloud = "never"|"on_failure"|"on_overload"|"always",
//             cloud_opt_in = false (true: the request must send x-hearth-cloud: allow),
//             cache = "auto"|"off"|"always" (or true = auto, false = off)
//   [audit]   path = "audit.jsonl" (required when [[clouds]] are configured: every cloud
//             request is audited first), prices = "prices.json" (the cloud models' prices,
//             core/cloud_prices.h format; default: the built-in table)
//   [redaction] rules = ["api_key", "email", ...] (built-in rules to apply; default: all),
//             [[redaction.custom]] name, pattern (PCRE2; applied after the built-ins)
//   [budgets] tokens_per_day = 0, usd_per_day = 0 (0: no cap) — the daily caps of requests
//             without a gateway key (key id ""); max_tokens = 4096 (the completion cap
//             reserved, and sent, when a cloud request names none),
//             backend = "memory" | "redis" (counters shared by every gateway replica),
//             url = (default: [cache] url when the cache is on Redis), timeout = 1.0 (s).
//             Redis down: cloud requests are refused with 503 (budgets fail closed).
//   [upstream] workers = 128 (upstream requests in flight at once, each holding a thread;
//             more wait in line), idle_connections = 64 (idle keep-alive connections kept
//             per node or cloud; 0: none kept), idle_timeout = 4.0 (s an idle one is kept;
//             keep it below the upstreams' own keep-alive timeout) — connection_pool.h
//   [keys]    path = "keys.json" (the gateway API keys, made by `hearth gateway keys add`;
//             gateway/keys.h), required = true (every request but /health and /metrics must
//             carry a valid key: `Authorization: Bearer KEY` or `x-api-key: KEY`; false: a
//             request without a key passes as key id "", a wrong key is still refused).
//             Absent: no key is asked for and every request has the key id "".
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "gateway/url.h"

namespace hearth::gateway {

using Seconds = std::chrono::duration<double>;

struct CacheConfig {
  std::string backend = "memory";  // memory | sqlite | redis
  std::string path;                // sqlite file
  std::string url;                 // redis: redis://[:password@]host[:port][/db] or unix:/path
  Seconds timeout{1};              // redis: connect and command timeout
  Seconds ttl{3600};
  size_t max_entries = 10000;
  size_t max_bytes = size_t{256} << 20;
};

struct HealthConfig {
  Seconds interval{2};         // between active checks (GET /v1/models) of each node
  int failures = 3;            // consecutive failures that open a node's circuit breaker
  Seconds open_for{5};         // an open breaker lets one probe through after this
  Seconds connect_timeout{2};  // TCP connect to any upstream
};

// An https upstream's certificate check (tls_context.h); unused for http://.
struct TlsOptions {
  bool verify = true;   // tls_verify
  std::string ca_file;  // empty: the system CA store
};

struct NodeConfig {
  std::string name;
  Url url;
  std::vector<std::string> models;  // empty: learnt from the node's /v1/models
  int weight = 1;                   // breaks ties between equally loaded nodes
  Seconds timeout{30};              // to the first byte (the whole answer when not streamed), and between two chunks
  int max_in_flight = 32;           // at or over it the node counts as overloaded
  TlsOptions tls;                   // ca_file, tls_verify
  std::string api_key_env;          // the environment variable holding its API key; empty: none sent
};

struct CloudConfig {
  std::string name;
  Url url;                                    // base with /v1, e.g. http://host/v1
  std::string api_key_env;                    // the environment variable holding the key
  std::map<std::string, std::string> models;  // local name -> cloud name; empty: same names
  Seconds timeout{60};
  TlsOptions tls;  // ca_file, tls_verify
};

enum class CloudPolicy { never, on_failure, on_overload, always };
enum class CachePolicy { off, auto_, always };  // auto_: temperature 0 or a fixed seed

struct RouteConfig {
  std::string model = "*";  // glob over the request's model ('*' and '?')
  CloudPolicy cloud = CloudPolicy::never;
  bool cloud_opt_in = false;
  CachePolicy cache = CachePolicy::auto_;
};

struct AuditConfig {
  std::string path;    // empty: no audit log (then no cloud may be configured)
  std::string prices;  // price file; empty: default_cloud_prices()
};

struct CustomRedaction {
  std::string name, pattern;
};

struct RedactionConfig {
  bool rules_given = false;        // false: every built-in rule
  std::vector<std::string> rules;  // built-in rule names, when given
  std::vector<CustomRedaction> custom;
};

struct BudgetsConfig {
  int64_t tokens_per_day = 0;  // 0: no cap
  double usd_per_day = 0;      // 0: no cap
  int64_t max_tokens = 4096;   // reserved (and sent) when a request sets no max_tokens
  std::string backend = "memory";  // memory | redis (shared by every replica)
  std::string url;                 // redis; default: the cache's url when the cache is on redis
  Seconds timeout{1};              // redis: connect and command timeout
};

struct UpstreamConfig {
  size_t workers = 128;           // upstream requests in flight at once (each holds a thread)
  size_t idle_connections = 64;   // idle keep-alive connections kept per upstream; 0: none
  Seconds idle_timeout{4};        // an idle connection is closed after this
};

struct KeysConfig {
  std::string path;      // the key file; empty: no [keys] (no key asked for)
  bool required = true;  // a request without a key is refused (401)
};

struct GatewayConfig {
  std::string host = "127.0.0.1";
  uint16_t port = 4400;
  CacheConfig cache;
  HealthConfig health;
  std::vector<NodeConfig> nodes;
  std::vector<CloudConfig> clouds;
  std::vector<RouteConfig> routes;  // first match wins; none matching: cloud never, cache auto
  AuditConfig audit;
  RedactionConfig redaction;
  BudgetsConfig budgets;
  KeysConfig keys;
  UpstreamConfig upstream;
};

// Parses TOML text; `source` names it in errors ("gateway.toml:12:3: ...").
// Throws FormatError on syntax or schema errors.
GatewayConfig parse_config(const std::string& text, const std::string& source);

// Reads and parses a file (IoError when it cannot be read).
GatewayConfig load_config(const std::string& path);

// Every request that leaves for a cloud is audited first: throws FormatError
// (saying to add [audit] path) when [[clouds]] are configured without [audit].
void require_cloud_audit(const GatewayConfig& c, const std::string& source);

const char* to_string(CloudPolicy p);

// The route for a model: the first whose glob matches, else the default route.
const RouteConfig& route_for(const GatewayConfig& c, const std::string& model);
bool glob_match(const std::string& pattern, const std::string& text);

}  // namespace hearth::gateway
