// The Redis cache backend: several gateway replicas share one cache.
//
// An entry is one Redis hash, key "hearth:cache:" + the canonical request
// hash (canonical.h), fields content_type, json and sse (the halves present),
// expiring after the TTL. put() is one Lua script — set the halves given,
// keep the other one, renew the TTL — so concurrent puts from two replicas
// merge instead of overwriting each other.
//
// Limits: max_entries and the cache's total size are the Redis server's job
// (maxmemory with an allkeys-lru or volatile-lru policy evicts the least
// recently used entries); the gateway refuses one entry larger than
// max_bytes (key + halves, counted after the merge), as the other backends do.
// entries() counts the prefix's keys (SCAN); bytes() is the server's
// used_memory (INFO), the figure maxmemory limits.
//
// Redis down or slow (past `timeout`): get() is a miss, put() stores
// nothing, entries()/bytes() are 0 — a request never fails because of the
// cache; the outage is logged once (redis_client.h). Thread-safe.
#pragma once

#include <memory>

#include "gateway/cache.h"
#include "gateway/config.h"
#include "gateway/redis_client.h"

namespace hearth::gateway {

class RedisCache : public CacheStore {
 public:
  static constexpr const char* kPrefix = "hearth:cache:";

  // Throws FormatError for a bad url; connects lazily (Redis may be down now).
  explicit RedisCache(const CacheConfig& config);

  std::optional<CachedAnswer> get(const std::string& key) override;
  void put(const std::string& key, const CachedAnswer& answer) override;
  size_t entries() const override;
  size_t bytes() const override;

 private:
  CacheConfig config_;
  std::unique_ptr<RedisPool> redis_;  // its commands are not const: entries()/bytes() use it too
};

}  // namespace hearth::gateway
