#include "gateway/config.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>

#include <toml++/toml.h>

#include "core/error.h"
#include "core/file_text.h"
#include "gateway/redis_url.h"

namespace hearth::gateway {
namespace {

// "source:line:col: message" for a node of the document.
std::string where(const std::string& source, const toml::source_region& r) {
  return source + ":" + std::to_string(r.begin.line) + ":" + std::to_string(r.begin.column);
}

// Reads the keys of one table onto a struct, each checked for its type and
// range; finish() refuses keys nobody read (typos), naming where they are.
class TableReader {
 public:
  TableReader(const toml::table& t, std::string source, std::string name)
      : t_(t), source_(std::move(source)), name_(std::move(name)) {}

  [[noreturn]] void fail(const toml::node& n, const std::string& key, const std::string& msg) const {
    throw FormatError(where(source_, n.source()) + ": " + name_ + key + ": " + msg);
  }
  [[noreturn]] void fail_table(const std::string& msg) const {
    throw FormatError(where(source_, t_.source()) + ": " + name_ + msg);
  }

  const toml::node* get(const std::string& key) {
    seen_.insert(key);
    return t_.get(key);
  }

  void string(const std::string& key, std::string& out, bool required = false) {
    const toml::node* n = get(key);
    if (!n) {
      if (required) fail_table(" needs `" + key + "`");
      return;
    }
    if (!n->is_string()) fail(*n, key, "must be a string");
    out = n->as_string()->get();
    if (required && out.empty()) fail(*n, key, "must not be empty");
  }

  void url(const std::string& key, Url& out) {
    std::string text;
    string(key, text, true);
    try {
      out = parse_url(text);
    } catch (const Error& e) {
      fail(*t_.get(key), key, e.what());
    }
  }

  void seconds(const std::string& key, Seconds& out) {
    const toml::node* n = get(key);
    if (!n) return;
    const double v = as_number(*n, key, "must be a number of seconds");
    if (!(v > 0) || v > 1e7) fail(*n, key, "must be more than 0 seconds (and at most 10^7)");
    out = Seconds(v);
  }

  template <typename Int>
  void integer(const std::string& key, Int& out, int64_t lo, int64_t hi) {
    const toml::node* n = get(key);
    if (!n) return;
    if (!n->is_integer()) fail(*n, key, "must be an integer");
    const int64_t v = n->as_integer()->get();
    if (v < lo || v > hi) fail(*n, key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
    out = static_cast<Int>(v);
  }

  void number(const std::string& key, double& out, double lo, double hi) {
    const toml::node* n = get(key);
    if (!n) return;
    out = as_number(*n, key, "must be a number");
    if (!(out >= lo && out <= hi)) fail(*n, key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  }

  // An integer or a float as a double; otherwise fails with `wrong_type`.
  double as_number(const toml::node& n, const std::string& key, const std::string& wrong_type) {
    if (n.is_integer()) return static_cast<double>(n.as_integer()->get());
    if (!n.is_floating_point()) fail(n, key, wrong_type);
    return n.as_floating_point()->get();
  }

  void boolean(const std::string& key, bool& out) {
    const toml::node* n = get(key);
    if (!n) return;
    if (!n->is_boolean()) fail(*n, key, "must be true or false");
    out = n->as_boolean()->get();
  }

  void finish() const {
    for (const auto& [k, v] : t_) {
      const std::string key(k.str());
      if (!seen_.count(key)) {
        throw FormatError(where(source_, k.source()) + ": unknown key `" + name_ + key +
                          "` (see the Gateway section of README.md for the schema)");
      }
    }
  }

 private:
  const toml::table& t_;
  std::string source_, name_;
  std::set<std::string> seen_;
};

void read_listen(TableReader& r, const toml::table& root, GatewayConfig& c) {
  std::string listen;
  r.string("listen", listen);
  if (listen.empty()) return;
  const size_t colon = listen.rfind(':');
  const toml::node& n = *root.get("listen");
  if (colon == std::string::npos || colon == 0) r.fail(n, "listen", "give HOST:PORT, e.g. \"127.0.0.1:4400\"");
  c.host = listen.substr(0, colon);
  const std::string port = listen.substr(colon + 1);
  size_t used = 0;
  unsigned long p = 0;
  try {
    p = std::stoul(port, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != port.size() || p > 65535) r.fail(n, "listen", "the port must be a number from 0 to 65535");
  c.port = static_cast<uint16_t>(p);
}

// Each [[name]] entry as a table; a plain key or a table instead is an error.
template <typename Fn>
void each_table(TableReader& r, const std::string& key, const std::string& source, Fn fn) {
  const toml::node* n = r.get(key);
  if (!n) return;
  const toml::array* a = n->as_array();
  if (!a) r.fail(*n, key, "must be an array of tables: write [[" + key + "]]");
  size_t i = 0;
  for (const auto& item : *a) {
    const toml::table* t = item.as_table();
    if (!t) r.fail(item, key, "every entry must be a table");
    TableReader tr(*t, source, key + "[" + std::to_string(i++) + "].");
    fn(tr, *t);
    tr.finish();
  }
}

// Runs fn on [name] when present (a table), then checks its keys.
template <typename Fn>
void one_table(TableReader& r, const std::string& key, const std::string& source, Fn fn) {
  const toml::node* n = r.get(key);
  if (!n) return;
  const toml::table* t = n->as_table();
  if (!t) r.fail(*n, key, "must be a table: write [" + key + "]");
  TableReader tr(*t, source, key + ".");
  fn(tr, *t);
  tr.finish();
}

// A Redis url that parses (redis_url.h), or a schema error at its line:column.
void redis_url(TableReader& r, const toml::table& t, const std::string& url) {
  try {
    parse_redis_url(url);
  } catch (const Error& e) {
    r.fail(*t.get("url"), "url", e.what());
  }
}

// ca_file and tls_verify of an upstream entry (tls_context.h): https only,
// not both, and a ca_file that can be read (its PEM is parsed at start and
// by --check, when the TLS context is made).
void read_tls(TableReader& r, const toml::table& t, const Url& url, TlsOptions& tls) {
  r.string("ca_file", tls.ca_file);
  r.boolean("tls_verify", tls.verify);
  for (const char* key : {"ca_file", "tls_verify"}) {
    if (t.get(key) && !url.tls) r.fail(*t.get(key), key, "applies to https:// URLs only, and this url is http://");
  }
  if (tls.ca_file.empty()) {
    if (t.get("ca_file")) r.fail(*t.get("ca_file"), "ca_file", "must not be empty");
    return;
  }
  if (!tls.verify) {
    r.fail(*t.get("ca_file"), "ca_file", "is never used with tls_verify = false; keep one of the two");
  }
  if (!std::ifstream(tls.ca_file)) {
    r.fail(*t.get("ca_file"), "ca_file",
           "cannot read \"" + tls.ca_file + "\" (" + std::strerror(errno) + "); give the PEM file of the CA that "
           "signed the upstream's certificate (a relative path is from the working directory)");
  }
}

void read_cache(TableReader& r, const toml::table& t, CacheConfig& c) {
  r.string("backend", c.backend);
  if (c.backend != "memory" && c.backend != "sqlite" && c.backend != "redis") {
    r.fail(*t.get("backend"), "backend", "must be \"memory\", \"sqlite\" or \"redis\"");
  }
  r.string("path", c.path);
  r.string("url", c.url);
  if (c.backend == "sqlite" && c.path.empty()) r.fail_table(" backend \"sqlite\" needs `path` (the database file)");
  if (c.backend == "redis" && c.url.empty()) r.fail_table(" backend \"redis\" needs `url` (redis://host:port)");
  if (!c.url.empty()) redis_url(r, t, c.url);
  r.seconds("timeout", c.timeout);
  r.seconds("ttl", c.ttl);
  r.integer("max_entries", c.max_entries, 1, int64_t{1} << 40);
  r.integer("max_bytes", c.max_bytes, 1024, int64_t{1} << 50);
}

void read_budgets(TableReader& r, const toml::table& t, BudgetsConfig& b) {
  r.integer("tokens_per_day", b.tokens_per_day, 0, int64_t{1} << 50);
  r.number("usd_per_day", b.usd_per_day, 0, 1e9);
  r.integer("max_tokens", b.max_tokens, 1, int64_t{1} << 30);
  r.string("backend", b.backend);
  if (b.backend != "memory" && b.backend != "redis") {
    r.fail(*t.get("backend"), "backend", "must be \"memory\" or \"redis\" (shared by every gateway replica)");
  }
  r.string("url", b.url);
  if (!b.url.empty()) redis_url(r, t, b.url);
  r.seconds("timeout", b.timeout);
}

void read_health(TableReader& r, HealthConfig& h) {
  r.seconds("interval", h.interval);
  r.integer("failures", h.failures, 1, 1000);
  r.seconds("open_for", h.open_for);
  r.seconds("connect_timeout", h.connect_timeout);
}

std::vector<std::string> string_list(TableReader& r, const std::string& key) {
  std::vector<std::string> out;
  const toml::node* n = r.get(key);
  if (!n) return out;
  const toml::array* a = n->as_array();
  if (!a) r.fail(*n, key, "must be an array of strings");
  for (const auto& item : *a) {
    if (!item.is_string()) r.fail(item, key, "must hold only strings");
    out.push_back(item.as_string()->get());
  }
  return out;
}

CloudPolicy read_cloud_policy(TableReader& r, const toml::table& t) {
  std::string s = "never";
  r.string("cloud", s);
  if (s == "never") return CloudPolicy::never;
  if (s == "on_failure") return CloudPolicy::on_failure;
  if (s == "on_overload") return CloudPolicy::on_overload;
  if (s == "always") return CloudPolicy::always;
  r.fail(*t.get("cloud"), "cloud", "must be \"never\", \"on_failure\", \"on_overload\" or \"always\"");
}

CachePolicy read_cache_policy(TableReader& r, const toml::table& t) {
  const toml::node* n = r.get("cache");
  if (!n) return CachePolicy::auto_;
  if (n->is_boolean()) return n->as_boolean()->get() ? CachePolicy::auto_ : CachePolicy::off;
  if (n->is_string()) {
    const std::string s = n->as_string()->get();
    if (s == "auto") return CachePolicy::auto_;
    if (s == "off") return CachePolicy::off;
    if (s == "always") return CachePolicy::always;
  }
  (void)t;
  r.fail(*n, "cache", "must be \"auto\", \"off\", \"always\", true or false");
}

void check_unique(const std::vector<std::string>& names, const std::string& what, const std::string& source) {
  std::set<std::string> seen;
  for (const auto& n : names) {
    if (!seen.insert(n).second) throw FormatError(source + ": two " + what + " are named \"" + n + "\"; names must differ");
  }
}

GatewayConfig read_root(const toml::table& root, const std::string& source) {
  GatewayConfig c;
  TableReader r(root, source, "");
  read_listen(r, root, c);
  one_table(r, "cache", source, [&](TableReader& tr, const toml::table& t) { read_cache(tr, t, c.cache); });
  one_table(r, "health", source, [&](TableReader& tr, const toml::table&) { read_health(tr, c.health); });
  one_table(r, "audit", source, [&](TableReader& tr, const toml::table&) {
    tr.string("path", c.audit.path, true);
    tr.string("prices", c.audit.prices);
  });
  one_table(r, "redaction", source, [&](TableReader& tr, const toml::table&) {
    c.redaction.rules_given = tr.get("rules") != nullptr;
    c.redaction.rules = string_list(tr, "rules");
    each_table(tr, "custom", source, [&](TableReader& cr, const toml::table&) {
      CustomRedaction cu;
      cr.string("name", cu.name, true);
      cr.string("pattern", cu.pattern, true);
      c.redaction.custom.push_back(std::move(cu));
    });
  });
  one_table(r, "budgets", source, [&](TableReader& tr, const toml::table& t) { read_budgets(tr, t, c.budgets); });
  one_table(r, "upstream", source, [&](TableReader& tr, const toml::table&) {
    tr.integer("workers", c.upstream.workers, 1, 4096);
    tr.integer("idle_connections", c.upstream.idle_connections, 0, 100000);
    tr.seconds("idle_timeout", c.upstream.idle_timeout);
  });
  one_table(r, "keys", source, [&](TableReader& tr, const toml::table&) {
    tr.string("path", c.keys.path, true);
    tr.boolean("required", c.keys.required);
  });
  each_table(r, "nodes", source, [&](TableReader& tr, const toml::table& t) {
    NodeConfig n;
    tr.string("name", n.name, true);
    tr.url("url", n.url);
    read_tls(tr, t, n.url, n.tls);
    n.models = string_list(tr, "models");
    tr.integer("weight", n.weight, 1, 1000);
    tr.seconds("timeout", n.timeout);
    tr.integer("max_in_flight", n.max_in_flight, 1, 100000);
    if (tr.get("api_key_env")) tr.string("api_key_env", n.api_key_env, true);
    c.nodes.push_back(std::move(n));
  });
  each_table(r, "clouds", source, [&](TableReader& tr, const toml::table& t) {
    CloudConfig cl;
    tr.string("name", cl.name, true);
    tr.url("url", cl.url);
    read_tls(tr, t, cl.url, cl.tls);
    tr.string("api_key_env", cl.api_key_env, true);
    tr.seconds("timeout", cl.timeout);
    if (const toml::node* m = tr.get("models")) {
      const toml::table* mt = m->as_table();
      if (!mt) tr.fail(*m, "models", "must be a table of local name = \"cloud name\"");
      for (const auto& [k, v] : *mt) {
        if (!v.is_string()) tr.fail(v, "models." + std::string(k.str()), "must be a string (the cloud's model name)");
        cl.models[std::string(k.str())] = v.as_string()->get();
      }
    }
    (void)t;
    c.clouds.push_back(std::move(cl));
  });
  each_table(r, "routes", source, [&](TableReader& tr, const toml::table& t) {
    RouteConfig rt;
    tr.string("model", rt.model);
    rt.cloud = read_cloud_policy(tr, t);
    tr.boolean("cloud_opt_in", rt.cloud_opt_in);
    rt.cache = read_cache_policy(tr, t);
    c.routes.push_back(std::move(rt));
  });
  r.finish();

  if (c.budgets.backend == "redis" && c.budgets.url.empty()) {
    if (c.cache.backend != "redis") {
      throw FormatError(source + ": [budgets] backend = \"redis\" needs `url` (redis://host:port), or a [cache] on "
                        "Redis whose url it then shares");
    }
    c.budgets.url = c.cache.url;
  }
  if (c.nodes.empty() && c.clouds.empty()) {
    throw FormatError(source + ": no upstream: add at least one [[nodes]] (or [[clouds]]) entry");
  }
  std::vector<std::string> names;
  for (const auto& n : c.nodes) names.push_back(n.name);
  for (const auto& cl : c.clouds) names.push_back(cl.name);
  check_unique(names, "upstreams ([[nodes]] and [[clouds]])", source);
  for (const auto& rt : c.routes) {
    if (rt.cloud != CloudPolicy::never && c.clouds.empty()) {
      throw FormatError(source + ": the route for \"" + rt.model + "\" says cloud = \"" + to_string(rt.cloud) +
                        "\" but no [[clouds]] entry is configured");
    }
  }
  return c;
}

}  // namespace

GatewayConfig parse_config(const std::string& text, const std::string& source) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    throw FormatError(where(source, e.source()) + ": " + std::string(e.description()));
  }
  return read_root(root, source);
}

GatewayConfig load_config(const std::string& path) {
  return parse_config(read_file_text(path, "gateway configuration"), path);
}

void require_cloud_audit(const GatewayConfig& c, const std::string& source) {
  if (c.clouds.empty() || !c.audit.path.empty()) return;
  throw FormatError(source + ": [[clouds]] are configured but no audit log: every request sent to a cloud is "
                    "audited first; add\n[audit]\npath = \"audit.jsonl\"");
}

const char* to_string(CloudPolicy p) {
  switch (p) {
    case CloudPolicy::never: return "never";
    case CloudPolicy::on_failure: return "on_failure";
    case CloudPolicy::on_overload: return "on_overload";
    case CloudPolicy::always: return "always";
  }
  return "?";
}

bool glob_match(const std::string& pattern, const std::string& text) {
  // Iterative match with one backtrack point for the last '*': linear in
  // practice, never exponential on hostile patterns.
  size_t p = 0, t = 0, star = std::string::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p, ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++, mark = t;
    } else if (star != std::string::npos) {
      p = star + 1, t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

const RouteConfig& route_for(const GatewayConfig& c, const std::string& model) {
  static const RouteConfig fallback;
  for (const auto& r : c.routes) {
    if (glob_match(r.model, model)) return r;
  }
  return fallback;
}

}  // namespace hearth::gateway
