// Per-key daily budgets (tokens and USD per UTC day) with reserve-then-commit:
// before a request goes to the cloud the gateway reserves its worst case
// (max tokens, their price); the reservation is refused, atomically, when it
// would take the key past either cap — so a cap stops traffic exactly, however
// many requests race for the last of it. When the answer is in, commit()
// charges what was really used and gives back the rest; release() gives back
// everything (the request never reached the cloud). A new UTC day starts from zero.
//
// Money is counted in integer micro-dollars so counters can be shared atomic
// integers. The counters sit behind BudgetStore: MemoryBudgetStore (one
// process) or RedisBudgetStore (budget_redis.h: several gateway replicas) —
// try_add as one Lua script (HMGET both counters, compare with the caps,
// HINCRBY both or neither; key "hearth:budget:<key>:<day>" with a two-day
// EXPIRE) and add as HINCRBY — with no change to Budgets.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "core/error.h"
#include "gateway/clock.h"

namespace hearth::gateway {

struct BudgetAmount {
  int64_t tokens = 0;
  int64_t micro_usd = 0;  // 1e-6 USD
};

// USD to micro-dollars, rounded to nearest; throws hearth::Error for a
// negative or non-finite amount.
int64_t to_micro_usd(double usd);

// A key's daily caps; 0 means no cap on that quantity.
struct BudgetLimit {
  int64_t tokens_per_day = 0;
  double usd_per_day = 0;
};

// A BudgetStore that cannot reach its counters throws this from any
// operation: the gateway then refuses the cloud request (503), so budgets
// fail closed and never leak.
class BudgetStoreUnavailable : public IoError {
 public:
  using IoError::IoError;
};

// The shared counters, one pair per (key, UTC day). Both operations are atomic.
class BudgetStore {
 public:
  virtual ~BudgetStore() = default;
  // Adds `want` to the counters of (key, day) when both results stay within
  // `cap` (a 0 component: no cap); otherwise changes nothing. True when added.
  virtual bool try_add(const std::string& key, int64_t day, BudgetAmount want, BudgetAmount cap) = 0;
  // Adds `delta` (negative to give back) unconditionally.
  virtual void add(const std::string& key, int64_t day, BudgetAmount delta) = 0;
  virtual BudgetAmount used(const std::string& key, int64_t day) const = 0;
};

// In-process counters under one mutex; forgets days before yesterday.
class MemoryBudgetStore final : public BudgetStore {
 public:
  bool try_add(const std::string& key, int64_t day, BudgetAmount want, BudgetAmount cap) override;
  void add(const std::string& key, int64_t day, BudgetAmount delta) override;
  BudgetAmount used(const std::string& key, int64_t day) const override;

 private:
  void forget_before(int64_t day);  // caller holds mutex_

  mutable std::mutex mutex_;
  std::map<std::pair<int64_t, std::string>, BudgetAmount> used_;  // (day, key) -> used + held
};

// What reserve() held; settle it exactly once with commit() or release().
struct Reservation {
  std::string key;
  int64_t day = 0;  // the UTC day charged (the day of the reservation)
  BudgetAmount held;
  bool open = false;
};

class Budgets {
 public:
  explicit Budgets(std::shared_ptr<BudgetStore> store, Clock clock = system_clock());

  // The caps for `key`; a key with none set is not limited.
  void set_limit(const std::string& key, const BudgetLimit& limit);

  // Holds max_tokens and max_cost_usd against today's budget of `key`; nullopt
  // (nothing held) when that would pass either cap. Throws hearth::Error for
  // negative amounts.
  std::optional<Reservation> reserve(const std::string& key, int64_t max_tokens, double max_cost_usd);
  // Charges the actual use and gives back the rest of the hold. Use above the
  // hold is charged in full (it was spent) and can pass the cap: send the
  // cloud the max_tokens that was reserved so it cannot. Throws hearth::Error
  // when the reservation is not open (settled twice: a bug).
  void commit(Reservation& r, int64_t actual_tokens, double actual_cost_usd);
  // Gives back the whole hold.
  void release(Reservation& r);

  // Used (committed + still held) today for `key`.
  BudgetAmount used_today(const std::string& key) const;

 private:
  void settle(Reservation& r, BudgetAmount actual);

  std::shared_ptr<BudgetStore> store_;
  Clock clock_;
  mutable std::mutex limits_mutex_;
  std::map<std::string, BudgetAmount> caps_;  // key -> caps (micro-dollars)
};

}  // namespace hearth::gateway
