// The Redis budget store against a real redis-server: try_add racing from
// many threads over two stores (two gateway replicas) stops exactly at the
// cap, both counters move together or not at all, the key and its two-day
// expiry, Budgets on top of it, and Redis stopped: BudgetStoreUnavailable
// (the gateway refuses the cloud request), never a silent pass.
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <atomic>
#include <thread>
#include <vector>

#include "gateway/budget_redis.h"
#include "redis_server.h"

namespace hearth::gateway {
namespace {

struct RedisBudgetTest : ::testing::Test {
  test::RedisServer redis;
};

TEST_F(RedisBudgetTest, RacingThreadsOnTwoStoresStopExactlyAtTheCap) {
  RedisBudgetStore a(redis.url(), Seconds(2)), b(redis.url(), Seconds(2));
  const BudgetAmount cap{500, 0};
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    BudgetStore& store = t % 2 ? static_cast<BudgetStore&>(a) : b;
    threads.emplace_back([&store, &granted, cap] {
      // Each asks 3 tokens at a time until refused: 500 is not a multiple of 3,
      // so the last grant leaves 2 that nobody can take.
      while (store.try_add("k", 20000, {3, 0}, cap)) granted.fetch_add(1);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(granted.load(), 166);
  EXPECT_EQ(a.used("k", 20000).tokens, 498);
  EXPECT_EQ(b.used("k", 20000).tokens, 498);
}

TEST_F(RedisBudgetTest, BothCountersOrNeither) {
  RedisBudgetStore s(redis.url(), Seconds(1));
  const BudgetAmount cap{100, 50};
  EXPECT_TRUE(s.try_add("k", 1, {10, 40}, cap));
  EXPECT_FALSE(s.try_add("k", 1, {10, 20}, cap));  // tokens fit, money does not
  EXPECT_FALSE(s.try_add("k", 1, {95, 0}, cap));   // money fits, tokens do not
  EXPECT_EQ(s.used("k", 1).tokens, 10);
  EXPECT_EQ(s.used("k", 1).micro_usd, 40);
  EXPECT_TRUE(s.try_add("k", 1, {90, 10}, cap));  // exactly at both caps
  EXPECT_TRUE(s.try_add("k", 1, {1000, 0}, {0, 50}));  // 0: no cap on tokens
  EXPECT_EQ(s.used("k", 2).tokens, 0);  // another day starts at zero
}

TEST_F(RedisBudgetTest, AddGivesBackAndTheDaysKeyExpiresInTwoDays) {
  RedisBudgetStore s(redis.url(), Seconds(1));
  ASSERT_TRUE(s.try_add("team:a", 20500, {100, 7000}, {}));
  s.add("team:a", 20500, {-60, -5000});
  EXPECT_EQ(s.used("team:a", 20500).tokens, 40);
  EXPECT_EQ(s.used("team:a", 20500).micro_usd, 2000);
  RedisPool probe(parse_redis_url(redis.url()), Seconds(1), "test probe", "the test fails");
  const RedisReply ttl = probe.command({"TTL", "hearth:budget:team:a:20500"});
  EXPECT_GT(ttl.get()->integer, 2 * 86400 - 10);
  EXPECT_LE(ttl.get()->integer, 2 * 86400);
}

TEST_F(RedisBudgetTest, BudgetsReserveAndCommitOverRedis) {
  TimePoint now = std::chrono::sys_days{std::chrono::year{2026} / 11 / 28};
  Budgets budgets(std::make_shared<RedisBudgetStore>(redis.url(), Seconds(1)), [&] { return now; });
  budgets.set_limit("", {100, 0});
  auto r = budgets.reserve("", 80, 0);
  ASSERT_TRUE(r);
  EXPECT_FALSE(budgets.reserve("", 30, 0));
  budgets.commit(*r, 20, 0);  // 60 given back
  EXPECT_EQ(budgets.used_today("").tokens, 20);
  EXPECT_TRUE(budgets.reserve("", 80, 0));
}

TEST_F(RedisBudgetTest, RedisDownFailsClosed) {
  RedisBudgetStore s(redis.url(), Seconds(1));
  ASSERT_TRUE(s.try_add("k", 1, {1, 0}, {10, 0}));
  redis.stop();
  try {
    s.try_add("k", 1, {1, 0}, {10, 0});
    FAIL() << "try_add passed with the budget store down";
  } catch (const BudgetStoreUnavailable& e) {
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(redis.port())), std::string::npos) << e.what();
  }
  EXPECT_THROW(s.add("k", 1, {-1, 0}), BudgetStoreUnavailable);
  EXPECT_THROW(s.used("k", 1), BudgetStoreUnavailable);
}

}  // namespace
}  // namespace hearth::gateway
