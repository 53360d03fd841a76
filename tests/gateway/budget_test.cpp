// gateway/budget.h: reserve-then-commit against daily caps, many threads
// racing for the last of a budget, and the next UTC day (injected clock).
#include <gtest/gtest.h>

#include <atomic>
#include <limits>
#include <thread>

#include "core/error.h"
#include "gateway/budget.h"

namespace hearth::gateway {
namespace {

using namespace std::chrono;

// A clock the test moves; readable from many threads.
struct TestClock {
  std::atomic<int64_t> seconds{(sys_days{year{2026} / November / 28} + hours{12}).time_since_epoch() / 1s};
  Clock clock() {
    return [this] { return TimePoint{std::chrono::seconds{seconds.load()}}; };
  }
};

class BudgetTest : public ::testing::Test {
 protected:
  TestClock time_;
  Budgets budgets_{std::make_shared<MemoryBudgetStore>(), time_.clock()};
};

TEST_F(BudgetTest, ReserveRefusesWhatWouldPassTheTokenCap) {
  budgets_.set_limit("k", {100, 0});
  auto a = budgets_.reserve("k", 60, 0);
  ASSERT_TRUE(a);
  EXPECT_FALSE(budgets_.reserve("k", 41, 0));  // 60 held + 41 > 100
  budgets_.commit(*a, 30, 0);                  // gives back 30
  EXPECT_EQ(budgets_.used_today("k").tokens, 30);
  auto b = budgets_.reserve("k", 70, 0);  // exactly to the cap
  ASSERT_TRUE(b);
  EXPECT_FALSE(budgets_.reserve("k", 1, 0));
  EXPECT_FALSE(budgets_.reserve("k", 101, 0));  // one request larger than the cap never fits
  budgets_.release(*b);
  EXPECT_EQ(budgets_.used_today("k").tokens, 30);
}

TEST_F(BudgetTest, ReserveRefusesWhatWouldPassTheMoneyCap) {
  budgets_.set_limit("k", {0, 1.00});
  auto a = budgets_.reserve("k", 1'000'000, 0.60);  // tokens uncapped
  ASSERT_TRUE(a);
  EXPECT_FALSE(budgets_.reserve("k", 1, 0.41));
  budgets_.commit(*a, 500, 0.25);
  EXPECT_EQ(budgets_.used_today("k").micro_usd, 250'000);
  EXPECT_TRUE(budgets_.reserve("k", 1, 0.75));
  EXPECT_FALSE(budgets_.reserve("k", 1, 0.000001));
}

TEST_F(BudgetTest, KeysWithoutALimitAndOtherKeysAreIndependent) {
  budgets_.set_limit("small", {10, 0});
  EXPECT_TRUE(budgets_.reserve("big", 1'000'000'000, 1e6));
  EXPECT_TRUE(budgets_.reserve("small", 10, 0));
  EXPECT_FALSE(budgets_.reserve("small", 1, 0));
  EXPECT_EQ(budgets_.used_today("other").tokens, 0);
}

TEST_F(BudgetTest, SettlingTwiceOrNegativeAmountsAreErrors) {
  auto r = budgets_.reserve("k", 5, 0.1);
  ASSERT_TRUE(r);
  budgets_.commit(*r, 5, 0.1);
  EXPECT_THROW(budgets_.commit(*r, 5, 0.1), Error);
  EXPECT_THROW(budgets_.release(*r), Error);
  EXPECT_THROW(budgets_.reserve("k", -1, 0), Error);
  EXPECT_THROW(budgets_.reserve("k", 1, -0.5), Error);
  EXPECT_THROW(budgets_.set_limit("k", {-5, 0}), Error);
}

TEST_F(BudgetTest, UseAboveTheHoldIsChargedInFull) {
  budgets_.set_limit("k", {100, 0});
  auto r = budgets_.reserve("k", 10, 0);
  ASSERT_TRUE(r);
  budgets_.commit(*r, 25, 0);
  EXPECT_EQ(budgets_.used_today("k").tokens, 25);
}

// Many threads hammer one key; each reservation is committed at or below
// what it held. The cap must stop traffic exactly: never a token or a
// micro-dollar over, and no budget lost to races (the store's total equals
// the sum of what the threads committed).
TEST_F(BudgetTest, ThreadsNeverPassTheCap) {
  constexpr int64_t kTokenCap = 20'000;
  budgets_.set_limit("k", {kTokenCap, 2.50});
  constexpr int kThreads = 8;
  std::atomic<int64_t> committed_tokens{0}, committed_micro{0}, accepted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 3000; ++i) {
        const int64_t want = 1 + (i * 7 + t) % 13;       // 1..13 tokens
        const double cost = 0.0001 * static_cast<double>(want);
        auto r = budgets_.reserve("k", want, cost);
        if (!r) continue;
        ++accepted;
        const int64_t used = want - (i % 3 == 0 ? 1 : 0);  // sometimes less than held
        const double used_cost = 0.0001 * static_cast<double>(used);
        if (i % 11 == 0) {
          budgets_.release(*r);
        } else {
          budgets_.commit(*r, used, used_cost);
          committed_tokens += used;
          committed_micro += to_micro_usd(used_cost);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  const BudgetAmount used = budgets_.used_today("k");
  EXPECT_EQ(used.tokens, committed_tokens.load());
  EXPECT_EQ(used.micro_usd, committed_micro.load());
  EXPECT_LE(used.tokens, kTokenCap);
  EXPECT_LE(used.micro_usd, 2'500'000);
  // The traffic (24,000 requests of ~7 tokens) was enough to reach the cap,
  // and it did: refusals began at the cap, not early (the last releases and
  // partial commits may leave a little unused).
  EXPECT_GT(used.tokens, kTokenCap * 9 / 10) << "accepted " << accepted.load();
}

TEST_F(BudgetTest, ThreadsStopAtExactlyTheCap) {
  budgets_.set_limit("k", {0, 1.00});  // $1.00 at $0.01 a request: exactly 100 requests
  std::atomic<int> accepted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        if (auto r = budgets_.reserve("k", 10, 0.01)) {
          ++accepted;
          budgets_.commit(*r, 10, 0.01);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(accepted.load(), 100);
  EXPECT_EQ(budgets_.used_today("k").micro_usd, 1'000'000);
}

TEST_F(BudgetTest, TrafficResumesTheNextUtcDay) {
  budgets_.set_limit("k", {100, 0});
  time_.seconds = (sys_days{year{2026} / November / 28} + hours{23} + minutes{59}).time_since_epoch() / 1s;
  auto late = budgets_.reserve("k", 100, 0);
  ASSERT_TRUE(late);
  EXPECT_FALSE(budgets_.reserve("k", 1, 0));
  time_.seconds += 60;  // 2026-11-29T00:00:00Z
  EXPECT_EQ(budgets_.used_today("k").tokens, 0);
  auto next = budgets_.reserve("k", 100, 0);
  EXPECT_TRUE(next);
  // The reservation made yesterday settles against yesterday's budget.
  budgets_.commit(*late, 40, 0);
  EXPECT_EQ(budgets_.used_today("k").tokens, 100);
  EXPECT_EQ(late->day + 1, next->day);
}

TEST(BudgetMoney, MicroDollars) {
  EXPECT_EQ(to_micro_usd(0.000001), 1);
  EXPECT_EQ(to_micro_usd(2.5), 2'500'000);
  EXPECT_EQ(to_micro_usd(0.1 + 0.2), 300'000);  // rounded, not truncated
  EXPECT_THROW(to_micro_usd(-1), Error);
  EXPECT_THROW(to_micro_usd(std::numeric_limits<double>::infinity()), Error);
}

}  // namespace
}  // namespace hearth::gateway
