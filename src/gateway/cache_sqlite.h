// The SQLite cache backend: answers persist across gateway restarts in one
// database file (WAL journal). Same contract as MemoryCache: TTL, and the
// least recently used entries deleted while over max_entries or max_bytes.
// One connection behind a mutex (SQLite serialises writers anyway).
#pragma once

#include <functional>
#include <mutex>

#include "gateway/cache.h"
#include "gateway/config.h"

struct sqlite3;

namespace hearth::gateway {

class SqliteCache : public CacheStore {
 public:
  // now_s: the wall clock in seconds (tests pass their own). Throws
  // IoError naming the file when it cannot be opened or is not a cache.
  explicit SqliteCache(const CacheConfig& config, std::function<double()> now_s = {});
  ~SqliteCache() override;
  SqliteCache(const SqliteCache&) = delete;
  SqliteCache& operator=(const SqliteCache&) = delete;

  std::optional<CachedAnswer> get(const std::string& key) override;
  void put(const std::string& key, const CachedAnswer& answer) override;
  size_t entries() const override;
  size_t bytes() const override;

 private:
  void exec(const char* sql) const;
  int64_t scalar(const char* sql) const;
  void evict_to_fit();

  CacheConfig config_;
  std::function<double()> now_;
  mutable std::mutex mu_;
  sqlite3* db_ = nullptr;
  int64_t tick_ = 0;  // recency order of uses (larger: more recent)
};

}  // namespace hearth::gateway
