#include "gateway/budget.h"

#include <cmath>

#include "core/error.h"

namespace hearth::gateway {

int64_t to_micro_usd(double usd) {
  if (!std::isfinite(usd) || usd < 0) throw Error("a budget amount in USD must be a finite, non-negative number");
  return std::llround(usd * 1e6);
}

namespace {

bool within(int64_t value, int64_t cap) { return cap == 0 || value <= cap; }

}  // namespace

bool MemoryBudgetStore::try_add(const std::string& key, int64_t day, BudgetAmount want, BudgetAmount cap) {
  std::lock_guard lock(mutex_);
  forget_before(day - 1);
  BudgetAmount& u = used_[{day, key}];
  if (!within(u.tokens + want.tokens, cap.tokens) || !within(u.micro_usd + want.micro_usd, cap.micro_usd)) {
    return false;
  }
  u.tokens += want.tokens;
  u.micro_usd += want.micro_usd;
  return true;
}

void MemoryBudgetStore::add(const std::string& key, int64_t day, BudgetAmount delta) {
  std::lock_guard lock(mutex_);
  BudgetAmount& u = used_[{day, key}];
  u.tokens += delta.tokens;
  u.micro_usd += delta.micro_usd;
}

BudgetAmount MemoryBudgetStore::used(const std::string& key, int64_t day) const {
  std::lock_guard lock(mutex_);
  const auto it = used_.find({day, key});
  return it == used_.end() ? BudgetAmount{} : it->second;
}

void MemoryBudgetStore::forget_before(int64_t day) {
  used_.erase(used_.begin(), used_.lower_bound({day, std::string()}));
}

Budgets::Budgets(std::shared_ptr<BudgetStore> store, Clock clock) : store_(std::move(store)), clock_(std::move(clock)) {
  if (!store_) throw Error("Budgets needs a budget store");
}

void Budgets::set_limit(const std::string& key, const BudgetLimit& limit) {
  if (limit.tokens_per_day < 0) throw Error("key \"" + key + "\": tokens_per_day must not be negative");
  const BudgetAmount caps{limit.tokens_per_day, to_micro_usd(limit.usd_per_day)};
  std::lock_guard lock(limits_mutex_);
  caps_[key] = caps;
}

std::optional<Reservation> Budgets::reserve(const std::string& key, int64_t max_tokens, double max_cost_usd) {
  if (max_tokens < 0) throw Error("a budget reservation needs a non-negative token count");
  const BudgetAmount want{max_tokens, to_micro_usd(max_cost_usd)};
  BudgetAmount cap;
  {
    std::lock_guard lock(limits_mutex_);
    if (auto it = caps_.find(key); it != caps_.end()) cap = it->second;
  }
  const int64_t day = utc_day(clock_());
  if (!store_->try_add(key, day, want, cap)) return std::nullopt;
  return Reservation{key, day, want, true};
}

void Budgets::commit(Reservation& r, int64_t actual_tokens, double actual_cost_usd) {
  if (actual_tokens < 0) throw Error("a budget commit needs a non-negative token count");
  settle(r, {actual_tokens, to_micro_usd(actual_cost_usd)});
}

void Budgets::release(Reservation& r) { settle(r, {}); }

void Budgets::settle(Reservation& r, BudgetAmount actual) {
  if (!r.open) throw Error("budget reservation for key \"" + r.key + "\" was already settled");
  r.open = false;
  const BudgetAmount delta{actual.tokens - r.held.tokens, actual.micro_usd - r.held.micro_usd};
  if (delta.tokens != 0 || delta.micro_usd != 0) store_->add(r.key, r.day, delta);
}

BudgetAmount Budgets::used_today(const std::string& key) const { return store_->used(key, utc_day(clock_())); }

}  // namespace hearth::gateway
