// The memory backend: hits, TTL, LRU eviction by entries and by bytes, and
// the two halves (JSON, SSE) of one entry.
#include <gtest/gtest.h>

#include "gateway/cache_memory.h"

namespace hearth::gateway {
namespace {

using CacheClock = MemoryCache::Clock;

struct FakeClock {
  CacheClock::time_point t{};
  std::function<CacheClock::time_point()> fn() {
    return [this] { return t; };
  }
};

TEST(GatewayCache, HitMissAndTtl) {
  FakeClock clock;
  CacheConfig c;
  c.ttl = Seconds(10);
  MemoryCache cache(c, clock.fn());
  EXPECT_FALSE(cache.get("k"));
  cache.put("k", CachedAnswer{.json = "{\"a\":1}"});
  ASSERT_TRUE(cache.get("k"));
  EXPECT_EQ(*cache.get("k")->json, "{\"a\":1}");
  clock.t += std::chrono::seconds(9);
  EXPECT_TRUE(cache.get("k"));
  clock.t += std::chrono::seconds(1);  // expiry is inclusive of the TTL's end
  EXPECT_FALSE(cache.get("k"));
  EXPECT_EQ(cache.entries(), 0u);
  EXPECT_EQ(cache.bytes(), 0u);
}

TEST(GatewayCache, EvictsLeastRecentlyUsedByEntries) {
  CacheConfig c;
  c.max_entries = 2;
  MemoryCache cache(c);
  cache.put("a", CachedAnswer{.json = "1"});
  cache.put("b", CachedAnswer{.json = "2"});
  ASSERT_TRUE(cache.get("a"));  // a is now the most recent
  cache.put("c", CachedAnswer{.json = "3"});
  EXPECT_TRUE(cache.get("a"));
  EXPECT_FALSE(cache.get("b"));
  EXPECT_TRUE(cache.get("c"));
  EXPECT_EQ(cache.entries(), 2u);
}

TEST(GatewayCache, EvictsByBytesAndNeverStoresWhatCannotFit) {
  CacheConfig c;
  c.max_bytes = 1024;
  MemoryCache cache(c);
  cache.put("a", CachedAnswer{.json = std::string(500, 'x')});
  cache.put("b", CachedAnswer{.json = std::string(500, 'y')});
  EXPECT_EQ(cache.bytes(), 1002u);  // key + body bytes
  cache.put("c", CachedAnswer{.json = std::string(100, 'z')});
  EXPECT_FALSE(cache.get("a"));
  EXPECT_TRUE(cache.get("b"));
  EXPECT_TRUE(cache.get("c"));
  EXPECT_LE(cache.bytes(), 1024u);
  cache.put("huge", CachedAnswer{.json = std::string(2000, 'h')});
  EXPECT_FALSE(cache.get("huge"));
  EXPECT_TRUE(cache.get("b"));  // a too-large answer evicts nothing
}

TEST(GatewayCache, JsonAndStreamHalvesMergeIntoOneEntry) {
  MemoryCache cache(CacheConfig{});
  cache.put("k", CachedAnswer{.json = "{}"});
  CachedAnswer s;
  s.sse = "data: [DONE]\n\n";
  cache.put("k", s);
  const auto hit = cache.get("k");
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->json, "{}");
  EXPECT_EQ(hit->sse, "data: [DONE]\n\n");
  EXPECT_EQ(cache.entries(), 1u);
  EXPECT_EQ(cache.bytes(), 1u + 2u + 14u);
}

}  // namespace
}  // namespace hearth::gateway
