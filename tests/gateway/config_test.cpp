// gateway.toml: the issue's minimal configuration as written, the full
// schema, and errors that say where (line:column) and what to do.
#include <gtest/gtest.h>

#include "core/error.h"
#include "config_error.h"
#include "gateway/config.h"

namespace hearth::gateway {
namespace {

const char* kMinimal = R"(listen = "127.0.0.1:4400"
[cache]
backend = "memory"              # "sqlite" (with path) or "redis" (with url) too
[[nodes]]
name = "a"
url = "http://127.0.0.1:4501"
[[nodes]]
name = "b"
url = "http://127.0.0.1:4502"
[[clouds]]
name = "burst"
url = "http://127.0.0.1:4600/v1"
api_key_env = "BURST_KEY"
[[routes]]
model = "*"
cloud = "on_failure"
[audit]
path = "audit.jsonl"
)";

std::string error_of(const std::string& text) { return test::config_error(text); }

TEST(GatewayConfig, MinimalConfigFromTheIssueParses) {
  const GatewayConfig c = parse_config(kMinimal, "gw.toml");
  EXPECT_EQ(c.host, "127.0.0.1");
  EXPECT_EQ(c.port, 4400);
  EXPECT_EQ(c.cache.backend, "memory");
  ASSERT_EQ(c.nodes.size(), 2u);
  EXPECT_EQ(c.nodes[0].name, "a");
  EXPECT_EQ(c.nodes[1].url.port, 4502);
  EXPECT_EQ(c.nodes[1].url.base, "");
  ASSERT_EQ(c.clouds.size(), 1u);
  EXPECT_EQ(c.clouds[0].url.base, "/v1");
  EXPECT_EQ(c.clouds[0].api_key_env, "BURST_KEY");
  ASSERT_EQ(c.routes.size(), 1u);
  EXPECT_EQ(c.routes[0].cloud, CloudPolicy::on_failure);
  EXPECT_EQ(c.routes[0].cache, CachePolicy::auto_);
  EXPECT_EQ(c.audit.path, "audit.jsonl");
}

TEST(GatewayConfig, FullSchema) {
  const GatewayConfig c = parse_config(R"(
listen = "0.0.0.0:0"
[cache]
backend = "sqlite"
path = "cache.db"
ttl = 60
max_entries = 5
max_bytes = 4096
[health]
interval = 0.5
failures = 2
open_for = 1.5
connect_timeout = 0.25
[[nodes]]
name = "gpu1"
url = "http://10.0.0.1:8080/"
models = ["llama", "qwen"]
weight = 3
timeout = 12.5
max_in_flight = 4
[[clouds]]
name = "c"
url = "http://cloud.internal:80/v1"
api_key_env = "K"
timeout = 9
models = { llama = "gpt-4o-mini", "qwen-2" = "other" }
[[routes]]
model = "llama*"
cloud = "on_overload"
cloud_opt_in = true
cache = "always"
[[routes]]
model = "*"
cache = false
)",
                                       "gw.toml");
  EXPECT_EQ(c.host, "0.0.0.0");
  EXPECT_EQ(c.port, 0);
  EXPECT_EQ(c.cache.path, "cache.db");
  EXPECT_DOUBLE_EQ(c.cache.ttl.count(), 60);
  EXPECT_EQ(c.cache.max_entries, 5u);
  EXPECT_EQ(c.cache.max_bytes, 4096u);
  EXPECT_DOUBLE_EQ(c.health.interval.count(), 0.5);
  EXPECT_EQ(c.health.failures, 2);
  EXPECT_DOUBLE_EQ(c.health.connect_timeout.count(), 0.25);
  EXPECT_EQ(c.nodes[0].url.base, "");  // trailing '/' dropped
  EXPECT_EQ(c.nodes[0].models, (std::vector<std::string>{"llama", "qwen"}));
  EXPECT_EQ(c.nodes[0].weight, 3);
  EXPECT_EQ(c.nodes[0].max_in_flight, 4);
  EXPECT_EQ(c.clouds[0].models.at("llama"), "gpt-4o-mini");
  EXPECT_EQ(c.clouds[0].models.at("qwen-2"), "other");
  EXPECT_EQ(route_for(c, "llama-3").cloud, CloudPolicy::on_overload);
  EXPECT_TRUE(route_for(c, "llama-3").cloud_opt_in);
  EXPECT_EQ(route_for(c, "llama-3").cache, CachePolicy::always);
  EXPECT_EQ(route_for(c, "mistral").cache, CachePolicy::off);
  EXPECT_EQ(route_for(c, "mistral").cloud, CloudPolicy::never);
}

TEST(GatewayConfig, SyntaxErrorsCarryLineAndColumn) {
  const std::string e = error_of("listen = \"127.0.0.1:4400\"\n[cache\nbackend = 1\n");
  EXPECT_EQ(e.rfind("gw.toml:2:", 0), 0u) << e;
}

TEST(GatewayConfig, SchemaErrorsCarryLineColumnAndTheFix) {
  EXPECT_EQ(error_of("[[nodes]]\nname = \"a\"\nurl = \"http://x:1\"\nwieght = 2\n"),
            "gw.toml:4:1: unknown key `nodes[0].wieght` (see the Gateway section of README.md for the schema)");
  EXPECT_EQ(error_of("[[nodes]]\nname = \"a\"\nurl = \"http://x:1\"\n[[routes]]\ncloud = \"sometimes\"\n"),
            "gw.toml:5:9: routes[0].cloud: must be \"never\", \"on_failure\", \"on_overload\" or \"always\"");
  EXPECT_EQ(error_of("[[nodes]]\nname = \"a\"\nurl = \"ftp://x\"\n"),
            "gw.toml:3:7: nodes[0].url: \"ftp://x\" is not an http:// or https:// URL");
  EXPECT_EQ(error_of("[[nodes]]\nname = \"a\"\nurl = \"http://x:99999\"\n"),
            "gw.toml:3:7: nodes[0].url: \"http://x:99999\": the port must be a number from 1 to 65535");
  EXPECT_EQ(error_of("[[nodes]]\nurl = \"http://x:1\"\n"), "gw.toml:1:1: nodes[0]. needs `name`");
  EXPECT_EQ(error_of("[[nodes]]\nname = \"a\"\nurl = \"http://x:1\"\ntimeout = -1\n"),
            "gw.toml:4:11: nodes[0].timeout: must be more than 0 seconds (and at most 10^7)");
  EXPECT_EQ(error_of("listen = \"4400\"\n[[nodes]]\nname = \"a\"\nurl = \"http://x:1\"\n"),
            "gw.toml:1:10: listen: give HOST:PORT, e.g. \"127.0.0.1:4400\"");
  EXPECT_EQ(error_of("nodes = 3\n"), "gw.toml:1:9: nodes: must be an array of tables: write [[nodes]]");
}

TEST(GatewayConfig, WholeConfigRules) {
  EXPECT_EQ(error_of("listen = \"127.0.0.1:1\"\n"),
            "gw.toml: no upstream: add at least one [[nodes]] (or [[clouds]]) entry");
  EXPECT_EQ(error_of("[[nodes]]\nname = \"a\"\nurl = \"http://x:1\"\n[[nodes]]\nname = \"a\"\nurl = \"http://x:2\"\n"),
            "gw.toml: two upstreams ([[nodes]] and [[clouds]]) are named \"a\"; names must differ");
  EXPECT_EQ(error_of("[[nodes]]\nname = \"a\"\nurl = \"http://x:1\"\n[[routes]]\ncloud = \"always\"\n"),
            "gw.toml: the route for \"*\" says cloud = \"always\" but no [[clouds]] entry is configured");
  EXPECT_EQ(error_of("[cache]\nbackend = \"sqlite\"\n[[nodes]]\nname = \"a\"\nurl = \"http://x:1\"\n"),
            "gw.toml:1:1: cache. backend \"sqlite\" needs `path` (the database file)");
}

TEST(GatewayConfig, GlobMatching) {
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("llama*", "llama-3.1-8b"));
  EXPECT_FALSE(glob_match("llama*", "tinyllama"));
  EXPECT_TRUE(glob_match("*llama*", "tinyllama-q4"));
  EXPECT_TRUE(glob_match("qwen?-7b", "qwen2-7b"));
  EXPECT_FALSE(glob_match("qwen?-7b", "qwen-7b"));
  EXPECT_TRUE(glob_match("a*b*c", "axxbyyc"));
  EXPECT_FALSE(glob_match("a*b*c", "axxbyy"));
  // A hostile pattern finishes quickly (no exponential backtracking).
  EXPECT_FALSE(glob_match("*a*a*a*a*a*a*a*a*b", std::string(2000, 'a')));
}

TEST(GatewayConfig, NodeApiKeyEnv) {
  const std::string node = "[[nodes]]\nname = \"a\"\nurl = \"http://127.0.0.1:4501\"\n";
  EXPECT_EQ(parse_config(node, "gw.toml").nodes[0].api_key_env, "");  // absent: no key sent
  EXPECT_EQ(parse_config(node + "api_key_env = \"NODE_KEY\"\n", "gw.toml").nodes[0].api_key_env, "NODE_KEY");
  EXPECT_EQ(error_of(node + "api_key_env = \"\"\n"), "gw.toml:4:15: nodes[0].api_key_env: must not be empty");
  EXPECT_EQ(error_of(node + "api_key_env = 1\n"), "gw.toml:4:15: nodes[0].api_key_env: must be a string");
}

TEST(GatewayConfig, UpstreamSection) {
  const std::string node = "[[nodes]]\nname = \"a\"\nurl = \"http://127.0.0.1:4501\"\n";
  const GatewayConfig d = parse_config(node, "gw.toml");
  EXPECT_EQ(d.upstream.workers, 128u);  // the defaults, as documented
  EXPECT_EQ(d.upstream.idle_connections, 64u);
  EXPECT_DOUBLE_EQ(d.upstream.idle_timeout.count(), 4.0);
  const GatewayConfig c =
      parse_config(node + "[upstream]\nworkers = 8\nidle_connections = 0\nidle_timeout = 1.5\n", "gw.toml");
  EXPECT_EQ(c.upstream.workers, 8u);
  EXPECT_EQ(c.upstream.idle_connections, 0u);  // 0: no pooling
  EXPECT_DOUBLE_EQ(c.upstream.idle_timeout.count(), 1.5);
  EXPECT_EQ(error_of(node + "[upstream]\nidle_connections = -1\n"),
            "gw.toml:5:20: upstream.idle_connections: must be between 0 and 100000");
  EXPECT_EQ(error_of(node + "[upstream]\nworkers = 0\n"), "gw.toml:5:11: upstream.workers: must be between 1 and 4096");
  EXPECT_EQ(error_of(node + "[upstream]\nidle_timeout = 0\n"),
            "gw.toml:5:16: upstream.idle_timeout: must be more than 0 seconds (and at most 10^7)");
  EXPECT_EQ(error_of(node + "[upstream]\nidle_timeout = \"4s\"\n"),
            "gw.toml:5:16: upstream.idle_timeout: must be a number of seconds");
  EXPECT_NE(error_of(node + "[upstream]\nmax_idle = 3\n").find("gw.toml:5:1: unknown key `upstream.max_idle`"),
            std::string::npos)
      << error_of(node + "[upstream]\nmax_idle = 3\n");
}

TEST(GatewayConfig, KeysSection) {
  const std::string node = "[[nodes]]\nname = \"a\"\nurl = \"http://127.0.0.1:4501\"\n";
  EXPECT_TRUE(parse_config(node, "gw.toml").keys.path.empty());  // absent: no key asked for
  const GatewayConfig c = parse_config(node + "[keys]\npath = \"keys.json\"\n", "gw.toml");
  EXPECT_EQ(c.keys.path, "keys.json");
  EXPECT_TRUE(c.keys.required);  // the default once [keys] is there
  EXPECT_FALSE(parse_config(node + "[keys]\npath = \"k.json\"\nrequired = false\n", "gw.toml").keys.required);
  EXPECT_NE(error_of(node + "[keys]\nrequired = true\n").find("keys. needs `path`"), std::string::npos)
      << error_of(node + "[keys]\nrequired = true\n");
  EXPECT_NE(error_of(node + "[keys]\npath = \"k.json\"\nrequire = true\n").find("unknown key `keys.require`"),
            std::string::npos);
  EXPECT_NE(error_of(node + "[keys]\npath = \"k.json\"\nrequired = \"yes\"\n").find("keys.required: must be true or false"),
            std::string::npos);
}

}  // namespace
}  // namespace hearth::gateway
