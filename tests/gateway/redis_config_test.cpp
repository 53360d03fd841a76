// The Redis parts of the configuration: the url forms (redis_url.h), the
// [cache] and [budgets] fields with their errors at line:column, and
// `hearth gateway --check` explaining what each Redis-backed store does and
// warning when its server does not answer.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "config_error.h"
#include "gateway/config.h"
#include "gateway/redis_url.h"
#include "redis_server.h"
#include "test_data.h"

namespace hearth::gateway {
namespace {

std::string url_error(const std::string& url) {
  try {
    parse_redis_url(url);
  } catch (const FormatError& e) {
    return e.what();
  }
  return "";
}

TEST(RedisUrl, Forms) {
  RedisEndpoint e = parse_redis_url("redis://127.0.0.1:6380/2");
  EXPECT_EQ(e.host, "127.0.0.1");
  EXPECT_EQ(e.port, 6380);
  EXPECT_EQ(e.db, 2);
  EXPECT_EQ(e.password, "");
  e = parse_redis_url("redis://cache.internal");
  EXPECT_EQ(e.host, "cache.internal");
  EXPECT_EQ(e.port, 6379);
  EXPECT_EQ(e.db, 0);
  e = parse_redis_url("redis://:p@ss:w0rd@10.0.0.5:7000/");  // the userinfo ends at the last '@'
  EXPECT_EQ(e.user, "");
  EXPECT_EQ(e.password, "p@ss:w0rd");
  EXPECT_EQ(e.host, "10.0.0.5");
  EXPECT_EQ(e.db, 0);
  EXPECT_EQ(e.describe(), "10.0.0.5:7000/0");  // never the password
  e = parse_redis_url("redis://gateway:secret@h:1/15");
  EXPECT_EQ(e.user, "gateway");
  EXPECT_EQ(e.password, "secret");
  EXPECT_EQ(e.db, 15);
  e = parse_redis_url("unix:/run/redis/redis.sock?db=4");
  EXPECT_EQ(e.socket, "/run/redis/redis.sock");
  EXPECT_EQ(e.db, 4);
  EXPECT_EQ(e.describe(), "unix:/run/redis/redis.sock?db=4");
  EXPECT_EQ(parse_redis_url("unix:///tmp/r.sock").socket, "/tmp/r.sock");
}

TEST(RedisUrl, ErrorsSayWhatIsWrongAndTheForms) {
  const std::string forms = "give redis://[:password@]host[:port][/db] or unix:/path/to/redis.sock[?db=N]";
  EXPECT_EQ(url_error("http://h:6379"), "\"http://h:6379\": not a Redis URL; " + forms);
  EXPECT_EQ(url_error("redis://h:0"), "\"redis://h:0\": the port must be from 1 to 65535; " + forms);
  EXPECT_EQ(url_error("redis://h:63a"), "\"redis://h:63a\": the port must be a number; " + forms);
  EXPECT_EQ(url_error("redis://h/x"), "\"redis://h/x\": the db (after '/') must be a number; " + forms);
  EXPECT_EQ(url_error("redis://:6379"), "\"redis://:6379\": there is no host; " + forms);
  EXPECT_EQ(url_error("redis://pw@h"), "\"redis://pw@h\": the part before '@' must be :password or user:password; " + forms);
  EXPECT_EQ(url_error("unix:relative.sock"), "\"unix:relative.sock\": a Unix socket needs an absolute path; " + forms);
  EXPECT_NE(url_error("rediss://h").find("TLS (rediss://) is not supported"), std::string::npos);
}


const std::string kNode = "[[nodes]]\nname = \"a\"\nurl = \"http://127.0.0.1:1\"\n";

TEST(RedisConfig, BudgetsShareTheCachesRedisByDefault) {
  const GatewayConfig c = parse_config(
      "[cache]\nbackend = \"redis\"\nurl = \"redis://10.0.0.1:6379/1\"\ntimeout = 0.25\n[budgets]\nbackend = \"redis\"\n" +
          kNode,
      "gw.toml");
  EXPECT_EQ(c.cache.url, "redis://10.0.0.1:6379/1");
  EXPECT_DOUBLE_EQ(c.cache.timeout.count(), 0.25);
  EXPECT_EQ(c.budgets.backend, "redis");
  EXPECT_EQ(c.budgets.url, "redis://10.0.0.1:6379/1");
  EXPECT_DOUBLE_EQ(c.budgets.timeout.count(), 1.0);
  const GatewayConfig own = parse_config(
      "[budgets]\nbackend = \"redis\"\nurl = \"unix:/run/r.sock\"\ntimeout = 2\n" + kNode, "gw.toml");
  EXPECT_EQ(own.budgets.url, "unix:/run/r.sock");
  EXPECT_EQ(own.cache.backend, "memory");
  EXPECT_EQ(parse_config(kNode, "gw.toml").budgets.backend, "memory");
}

TEST(RedisConfig, ErrorsCarryLineColumnAndTheFix) {
  EXPECT_EQ(test::config_error("[cache]\nbackend = \"redis\"\nurl = \"redis://h:70000\"\n" + kNode),
            "gw.toml:3:7: cache.url: \"redis://h:70000\": the port must be from 1 to 65535; give "
            "redis://[:password@]host[:port][/db] or unix:/path/to/redis.sock[?db=N]");
  EXPECT_EQ(test::config_error("[budgets]\nbackend = \"etcd\"\n" + kNode),
            "gw.toml:2:11: budgets.backend: must be \"memory\" or \"redis\" (shared by every gateway replica)");
  EXPECT_EQ(test::config_error("[budgets]\nbackend = \"redis\"\n" + kNode),
            "gw.toml: [budgets] backend = \"redis\" needs `url` (redis://host:port), or a [cache] on Redis whose url "
            "it then shares");
  EXPECT_EQ(test::config_error("[cache]\nbackend = \"redis\"\nurl = \"redis://h\"\ntimeout = 0\n" + kNode),
            "gw.toml:4:11: cache.timeout: must be more than 0 seconds (and at most 10^7)");
}

std::string write(const std::filesystem::path& dir, const std::string& text) {
  const auto p = dir / "gw.toml";
  std::ofstream(p) << text;
  return p.string();
}

TEST(RedisCheckCli, ExplainsTheRedisStoresAndWarnsWhenTheServerDoesNotAnswer) {
  test::RedisServer redis;
  const auto dir = hearth::test::temp_dir("gw-redis-check");
  const std::string conf = "[cache]\nbackend = \"redis\"\nurl = \"" + redis.url(2) + "\"\n[budgets]\nbackend = \"redis\"\n" + kNode;
  const std::string path = write(dir, conf);
  const std::string where = "127.0.0.1:" + std::to_string(redis.port()) + "/2";
  auto r = hearth::test::run_hearth({"gateway", "--check", "--config", path});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("cache redis,"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  cache: redis at " + where + ", shared by every gateway replica; Redis down: every request is a miss"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  budgets: redis at " + where + ", shared by every gateway replica; Redis down: cloud requests "
                       "are refused with 503 (budgets fail closed)"),
            std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("warning"), std::string::npos) << r.out;

  redis.stop();
  r = hearth::test::run_hearth({"gateway", "--check", "--json", "--config", path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["cache"], "redis");
  EXPECT_EQ(j["budgets"], "redis");
  ASSERT_EQ(j["warnings"].size(), 2u) << r.out;
  EXPECT_EQ(j["warnings"][0].get<std::string>().rfind("cache: Redis at " + where + " does not answer here (", 0), 0u)
      << j["warnings"][0];
  EXPECT_EQ(j["warnings"][1].get<std::string>().rfind("budgets: Redis at " + where + " does not answer here (", 0), 0u)
      << j["warnings"][1];
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hearth::gateway
