// The audited cloud guard over a Redis budget store (as `[budgets] backend =
// "redis"` builds it): a store that is down refuses the cloud request with
// 503 before anything is audited or sent (budgets fail closed), and a store
// that goes down while a request is out still lets its completion record be
// written (the hold stays: over-counted, never leaked).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "audit_fixture.h"
#include "gateway/audited_guard.h"
#include "gateway/budget_redis.h"
#include "redis_server.h"
#include "test_data.h"

namespace hearth::gateway {
namespace {

using Json = nlohmann::json;

CloudRequest chat(const std::string& content) {
  return {"burst", "/v1/chat/completions", "llama", "gpt-5.5", "*", "",
          Json{{"model", "gpt-5.5"}, {"max_tokens", 8}, {"messages", {{{"role", "user"}, {"content", content}}}}}.dump(),
          nullptr};
}

struct RedisGuardTest : ::testing::Test {
  void SetUp() override {
    dir = hearth::test::temp_dir("redis-guard");
    const auto prices = dir / "prices.json";
    std::ofstream(prices) << R"({"prices": [{"name": "gpt-5.5", "input_per_million": 0, "output_per_million": 1000000}]})";
    config.audit.path = (dir / "audit.jsonl").string();
    config.audit.prices = prices.string();
    config.budgets.backend = "redis";
    config.budgets.url = redis.url();
    config.budgets.usd_per_day = 100;
  }
  void TearDown() override { std::filesystem::remove_all(dir); }
  size_t records() const { return test::read_lines(dir / "audit.jsonl").size(); }

  gateway::test::RedisServer redis;
  std::filesystem::path dir;
  GatewayConfig config;
};

TEST_F(RedisGuardTest, TheConfiguredRedisStoreCountsAndADownStoreRefusesWith503) {
  auto guard = make_audited_guard(config);
  CloudRequest ok = chat("first");
  ASSERT_TRUE(guard->before_send(ok).allowed);
  guard->after_response(ok, 200, R"({"usage":{"prompt_tokens":3,"completion_tokens":5}})");
  // The counters are in Redis, where another replica's store sees them.
  RedisBudgetStore other(redis.url(), Seconds(1));
  const int64_t day = utc_day(std::chrono::system_clock::now());
  EXPECT_EQ(other.used("", day).micro_usd, 5'000'000);
  EXPECT_EQ(records(), 2u);

  redis.stop();
  CloudRequest refused = chat("second");
  const CloudVerdict v = guard->before_send(refused);
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.status, 503);
  EXPECT_NE(v.reason.find("the cloud budget could not be checked, so nothing was sent to the cloud: the budget store "
                          "is unavailable: redis budget store at 127.0.0.1:" + std::to_string(redis.port()) + "/0"),
            std::string::npos)
      << v.reason;
  EXPECT_EQ(records(), 2u) << "nothing audited: nothing is sent";
}

TEST_F(RedisGuardTest, AStoreDownAtSettlingStillRecordsTheCompletion) {
  auto guard = make_audited_guard(config);
  CloudRequest r = chat("out while Redis dies");
  ASSERT_TRUE(guard->before_send(r).allowed);
  redis.stop();
  guard->after_response(r, 200, R"({"usage":{"prompt_tokens":3,"completion_tokens":5}})");
  const auto lines = test::read_lines(dir / "audit.jsonl");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(Json::parse(lines[1])["type"], "completion");
  EXPECT_EQ(Json::parse(lines[1])["completion_tokens"], 5);
}

}  // namespace
}  // namespace hearth::gateway
