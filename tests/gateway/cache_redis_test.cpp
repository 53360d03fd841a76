// The Redis cache backend against a real redis-server: entries under the
// hearth:cache: prefix with the TTL, merged halves, shared by two instances
// (two gateway replicas), one answer larger than max_bytes refused, and
// Redis stopped mid-test: misses and skipped stores, never an exception,
// then hits again once it is back.
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <chrono>
#include <thread>

#include "core/error.h"
#include "gateway/cache_redis.h"
#include "redis_server.h"

namespace hearth::gateway {
namespace {

struct RedisCacheTest : ::testing::Test {
  void SetUp() override {
    config.backend = "redis";
    config.url = redis.url(3);  // a db other than 0: SELECT is exercised
  }
  // A raw command on the same server and db, to look at what the cache wrote.
  RedisReply raw(const std::vector<std::string>& argv) {
    return probe.command(argv);
  }
  test::RedisServer redis;
  CacheConfig config;
  RedisPool probe{parse_redis_url(redis.url(3)), Seconds(1), "test probe", "the test fails"};
};

TEST_F(RedisCacheTest, MissThenHitUnderThePrefixWithTheTtl) {
  config.ttl = Seconds(600);
  RedisCache cache(config);
  EXPECT_FALSE(cache.get("abc"));
  cache.put("abc", CachedAnswer{.json = R"({"x":1})"});
  const auto hit = cache.get("abc");
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->json, R"({"x":1})");
  EXPECT_FALSE(hit->sse);
  EXPECT_EQ(hit->content_type, "application/json");
  // The entry is the key "hearth:cache:abc", expiring after the TTL (600 s,
  // within the second it took to get here).
  const RedisReply ttl = raw({"TTL", "hearth:cache:abc"});
  EXPECT_GE(ttl.get()->integer, 599);
  EXPECT_LE(ttl.get()->integer, 600);
  EXPECT_EQ(cache.entries(), 1u);
  EXPECT_GT(cache.bytes(), 0u);
}

TEST_F(RedisCacheTest, HalvesMergeAndBytesAreKeptExactly) {
  RedisCache cache(config);
  cache.put("k", CachedAnswer{.json = "{}"});
  CachedAnswer s;
  s.content_type = "text/event-stream";
  s.sse = std::string("data: x\0y\n\ndata: [DONE]\n\n", 25);  // binary-safe, NUL included
  cache.put("k", s);
  const auto hit = cache.get("k");
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->json, "{}");
  EXPECT_EQ(hit->sse, std::string("data: x\0y\n\ndata: [DONE]\n\n", 25));
  EXPECT_EQ(hit->content_type, "text/event-stream");
}

TEST_F(RedisCacheTest, TwoInstancesShareOneCache) {
  RedisCache a(config), b(config);
  a.put("shared", CachedAnswer{.json = "from a"});
  const auto hit = b.get("shared");
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->json, "from a");
}

TEST_F(RedisCacheTest, EntriesExpireAfterTheTtl) {
  config.ttl = Seconds(1);
  RedisCache cache(config);
  cache.put("short", CachedAnswer{.json = "{}"});
  EXPECT_TRUE(cache.get("short"));
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  EXPECT_FALSE(cache.get("short"));
  EXPECT_EQ(cache.entries(), 0u);
}

TEST_F(RedisCacheTest, AnEntryLargerThanMaxBytesIsNotStored) {
  config.max_bytes = 1024;
  RedisCache cache(config);
  cache.put("big", CachedAnswer{.json = std::string(1100, 'x')});
  EXPECT_FALSE(cache.get("big"));
  // Counted after the merge: a half that fits alone but not with the other.
  cache.put("pair", CachedAnswer{.json = std::string(600, 'j')});
  CachedAnswer s;
  s.sse = std::string(600, 's');
  cache.put("pair", s);
  const auto hit = cache.get("pair");
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->json->size(), 600u);
  EXPECT_FALSE(hit->sse) << "the merged entry would pass max_bytes";
}

TEST_F(RedisCacheTest, EntriesCountsOnlyTheCachesKeys) {
  RedisCache cache(config);
  for (const char* k : {"a", "b", "c"}) cache.put(k, CachedAnswer{.json = "{}"});
  raw({"SET", "someone-else", "1"});
  EXPECT_EQ(cache.entries(), 3u);
}

TEST_F(RedisCacheTest, RedisDownIsAMissNotAnExceptionAndItRecovers) {
  RedisCache cache(config);
  cache.put("k", CachedAnswer{.json = "{}"});
  ASSERT_TRUE(cache.get("k"));
  redis.stop();
  EXPECT_FALSE(cache.get("k"));       // the outage: a miss
  EXPECT_NO_THROW(cache.put("k2", CachedAnswer{.json = "{}"}));  // and a skipped store
  EXPECT_FALSE(cache.get("k2"));
  EXPECT_EQ(cache.entries(), 0u);
  EXPECT_EQ(cache.bytes(), 0u);
  redis.start();  // back, empty (no persistence)
  // The pool waits RedisPool::kRetryAfter after a failed connect: within a
  // few of those the cache stores and hits again.
  bool back = false;
  for (int i = 0; i < 40 && !back; ++i) {
    cache.put("k3", CachedAnswer{.json = "again"});
    back = cache.get("k3").has_value();
    if (!back) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(back) << "the cache did not reconnect to the restarted server";
}

TEST_F(RedisCacheTest, AnUnreachableServerAtStartIsAnOutageNotAnError) {
  redis.stop();
  RedisCache cache(config);  // constructing does not connect
  EXPECT_FALSE(cache.get("k"));
}

TEST_F(RedisCacheTest, ABadUrlIsAFormatError) {
  config.url = "http://127.0.0.1:6379";
  EXPECT_THROW(RedisCache{config}, FormatError);
}

}  // namespace
}  // namespace hearth::gateway
