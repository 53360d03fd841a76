// The in-memory cache backend: LRU over entries with a time to live, held
// under max_entries and max_bytes (key + answer bytes) by evicting the least
// recently used. Thread-safe (one mutex; every operation is O(log n)).
#pragma once

#include <chrono>
#include <functional>
#include <list>
#include <map>
#include <mutex>

#include "gateway/cache.h"
#include "gateway/config.h"

namespace hearth::gateway {

class MemoryCache : public CacheStore {
 public:
  using Clock = std::chrono::steady_clock;
  // now: the clock (tests pass their own to step time).
  explicit MemoryCache(const CacheConfig& config, std::function<Clock::time_point()> now = Clock::now);

  std::optional<CachedAnswer> get(const std::string& key) override;
  void put(const std::string& key, const CachedAnswer& answer) override;
  size_t entries() const override;
  size_t bytes() const override;

 private:
  struct Entry {
    std::string key;
    CachedAnswer answer;
    Clock::time_point expires;
  };
  void erase(std::list<Entry>::iterator it);
  void evict_to_fit();

  CacheConfig config_;
  std::function<Clock::time_point()> now_;
  mutable std::mutex mu_;
  std::list<Entry> lru_;  // most recently used first
  std::map<std::string, std::list<Entry>::iterator> index_;
  size_t bytes_ = 0;
};

}  // namespace hearth::gateway
