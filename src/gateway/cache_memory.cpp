#include "gateway/cache_memory.h"

namespace hearth::gateway {

MemoryCache::MemoryCache(const CacheConfig& config, std::function<Clock::time_point()> now)
    : config_(config), now_(std::move(now)) {}

std::optional<CachedAnswer> MemoryCache::get(const std::string& key) {
  std::lock_guard lock(mu_);
  const auto it = index_.find(key);
  if (it == index_.end()) return std::nullopt;
  if (now_() >= it->second->expires) {
    erase(it->second);
    return std::nullopt;
  }
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->answer;
}

void MemoryCache::put(const std::string& key, const CachedAnswer& answer) {
  std::lock_guard lock(mu_);
  CachedAnswer merged = answer;
  if (const auto it = index_.find(key); it != index_.end()) {
    const CachedAnswer& old = it->second->answer;
    if (now_() < it->second->expires) {
      if (!merged.json) merged.json = old.json;
      if (!merged.sse) merged.sse = old.sse;
    }
    erase(it->second);
  }
  const size_t size = key.size() + merged.bytes();
  if (size > config_.max_bytes) return;  // larger than the whole cache: never stored
  const auto ttl = std::chrono::duration_cast<Clock::duration>(config_.ttl);
  lru_.push_front(Entry{key, std::move(merged), now_() + ttl});
  index_[key] = lru_.begin();
  bytes_ += size;
  evict_to_fit();
}

void MemoryCache::erase(std::list<Entry>::iterator it) {
  bytes_ -= it->key.size() + it->answer.bytes();
  index_.erase(it->key);
  lru_.erase(it);
}

void MemoryCache::evict_to_fit() {
  while (!lru_.empty() && (lru_.size() > config_.max_entries || bytes_ > config_.max_bytes)) {
    erase(std::prev(lru_.end()));
  }
}

size_t MemoryCache::entries() const {
  std::lock_guard lock(mu_);
  return lru_.size();
}

size_t MemoryCache::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

}  // namespace hearth::gateway
