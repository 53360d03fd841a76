// The cache and the budget store a configuration asks for, by backend:
// [cache] memory | sqlite | redis, [budgets] memory | redis.
#pragma once

#include <memory>

#include "gateway/budget.h"
#include "gateway/cache.h"
#include "gateway/config.h"

namespace hearth::gateway {

// Throws what the backend's constructor throws (IoError for an unusable
// SQLite file, FormatError for a bad Redis url); a Redis server that is down
// is not an error here (it is an outage: redis_client.h).
std::unique_ptr<CacheStore> make_cache_store(const CacheConfig& config);
std::shared_ptr<BudgetStore> make_budget_store(const BudgetsConfig& config);

}  // namespace hearth::gateway
