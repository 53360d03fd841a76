// The Redis budget store: the daily counters of every gateway replica in
// one place, so a cap holds across all of them.
//
// One hash per (key, UTC day), "hearth:budget:<key>:<day>", fields tokens
// and micro_usd, expiring two days after its last change (a day's counters
// are needed until the day is over; yesterday's only by stragglers that
// settle late). try_add is one Lua script — HMGET both counters, compare
// with the caps, HINCRBY both or neither — so Redis runs it atomically
// against every other replica's; add is HINCRBY on both. Lua counts in
// doubles: exact while counters stay under 2^53 (the config caps keep them
// far below: 2^50 tokens, 10^15 micro-dollars).
//
// Redis down or slow: every operation throws BudgetStoreUnavailable (the
// gateway refuses the cloud request with 503: budgets fail closed, never
// leak); the outage is logged once (redis_client.h). Thread-safe.
#pragma once

#include <memory>

#include "gateway/budget.h"
#include "gateway/config.h"
#include "gateway/redis_client.h"

namespace hearth::gateway {

class RedisBudgetStore final : public BudgetStore {
 public:
  static constexpr const char* kPrefix = "hearth:budget:";
  static constexpr int64_t kExpireSeconds = 2 * 86400;

  // Throws FormatError for a bad url; connects lazily.
  RedisBudgetStore(const std::string& url, Seconds timeout);

  bool try_add(const std::string& key, int64_t day, BudgetAmount want, BudgetAmount cap) override;
  void add(const std::string& key, int64_t day, BudgetAmount delta) override;
  BudgetAmount used(const std::string& key, int64_t day) const override;

 private:
  // The command's reply; a RedisError becomes BudgetStoreUnavailable.
  RedisReply run(const std::vector<std::string>& argv) const;

  std::unique_ptr<RedisPool> redis_;  // its commands are not const: used() runs one too
};

}  // namespace hearth::gateway
