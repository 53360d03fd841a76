// The SQLite backend: answers survive a reopen (a gateway restart), TTL,
// LRU eviction by entries and bytes, merged halves, and a clear error on a
// file that is not a cache.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "gateway/cache_sqlite.h"
#include "test_data.h"

namespace hearth::gateway {
namespace {

struct SqliteCacheTest : ::testing::Test {
  void SetUp() override {
    dir = test::temp_dir("gw-sqlite");
    config.path = (dir / "cache.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir); }
  std::function<double()> clock() {
    return [this] { return now; };
  }
  std::filesystem::path dir;
  CacheConfig config;
  double now = 1000;
};

CachedAnswer json(const std::string& s) {
  CachedAnswer a;
  a.json = s;
  return a;
}

TEST_F(SqliteCacheTest, AnswersSurviveAReopen) {
  {
    SqliteCache cache(config, clock());
    EXPECT_FALSE(cache.get("k"));
    CachedAnswer a;
    a.content_type = "text/event-stream";
    a.sse = std::string("data: x\0y\n\ndata: [DONE]\n\n", 25);  // bytes kept exactly, NUL included
    cache.put("k", a);
  }
  SqliteCache reopened(config, clock());
  const auto hit = reopened.get("k");
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->content_type, "text/event-stream");
  EXPECT_EQ(hit->sse, std::string("data: x\0y\n\ndata: [DONE]\n\n", 25));
  EXPECT_FALSE(hit->json);
  EXPECT_EQ(reopened.entries(), 1u);
}

TEST_F(SqliteCacheTest, TtlAndMergedHalves) {
  config.ttl = Seconds(10);
  SqliteCache cache(config, clock());
  cache.put("k", json("{}"));
  CachedAnswer s;
  s.sse = "data: [DONE]\n\n";
  cache.put("k", s);
  auto hit = cache.get("k");
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->json, "{}");
  EXPECT_EQ(hit->sse, "data: [DONE]\n\n");
  EXPECT_EQ(cache.bytes(), 1u + 2u + 14u);
  now += 10;
  EXPECT_FALSE(cache.get("k"));
  EXPECT_EQ(cache.entries(), 0u);
}

TEST_F(SqliteCacheTest, EvictsLeastRecentlyUsed) {
  config.max_entries = 2;
  config.max_bytes = 1024;
  SqliteCache cache(config, clock());
  cache.put("a", json("1"));
  cache.put("b", json("2"));
  ASSERT_TRUE(cache.get("a"));
  cache.put("c", json("3"));
  EXPECT_TRUE(cache.get("a"));
  EXPECT_FALSE(cache.get("b"));
  cache.put("d", json(std::string(1000, 'x')));  // over max_bytes with the others: they go
  EXPECT_TRUE(cache.get("d"));
  EXPECT_LE(cache.bytes(), 1024u);
  cache.put("huge", json(std::string(2000, 'h')));
  EXPECT_FALSE(cache.get("huge"));
  EXPECT_TRUE(cache.get("d"));
}

TEST_F(SqliteCacheTest, NotADatabaseIsAClearError) {
  std::ofstream(config.path) << "this is not sqlite, just text that is long enough to be read as a header.....";
  try {
    SqliteCache cache(config, clock());
    FAIL() << "opened a text file as a cache";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("cache.db: not a usable cache database"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace hearth::gateway
