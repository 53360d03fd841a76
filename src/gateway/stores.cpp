#include "gateway/stores.h"

#include "core/error.h"
#include "gateway/budget_redis.h"
#include "gateway/cache_memory.h"
#include "gateway/cache_redis.h"
#include "gateway/cache_sqlite.h"

namespace hearth::gateway {

std::unique_ptr<CacheStore> make_cache_store(const CacheConfig& config) {
  if (config.backend == "memory") return std::make_unique<MemoryCache>(config);
  if (config.backend == "sqlite") return std::make_unique<SqliteCache>(config);
  if (config.backend == "redis") return std::make_unique<RedisCache>(config);
  throw FormatError("cache backend \"" + config.backend + "\" is unknown; use \"memory\", \"sqlite\" or \"redis\"");
}

std::shared_ptr<BudgetStore> make_budget_store(const BudgetsConfig& config) {
  if (config.backend == "redis") return std::make_shared<RedisBudgetStore>(config.url, config.timeout);
  if (config.backend == "memory") return std::make_shared<MemoryBudgetStore>();
  throw FormatError("budget backend \"" + config.backend + "\" is unknown; use \"memory\" or \"redis\"");
}

}  // namespace hearth::gateway
