// The paged KV bookkeeping: block states, reference counts, the prefix
// cache's lookup by chained hash and its least-recently-released eviction.
#include <gtest/gtest.h>

#include <vector>

#include "core/error.h"
#include "engine/kv_blocks.h"

namespace hearth::engine {
namespace {

const std::vector<int32_t> kA = {1, 2, 3, 4};
const std::vector<int32_t> kB = {5, 6, 7, 8};

TEST(KvBlocks, AllocatesEveryBlockOnceThenRunsDry) {
  KvBlocks kv(3, 4);
  std::vector<int32_t> got;
  for (int i = 0; i < 3; ++i) got.push_back(kv.allocate());
  EXPECT_EQ(got, (std::vector<int32_t>{0, 1, 2}));
  EXPECT_EQ(kv.allocate(), -1);
  EXPECT_EQ(kv.referenced(), 3);
  kv.release(1);
  EXPECT_EQ(kv.available(), 1);
  EXPECT_EQ(kv.allocate(), 1);
  EXPECT_THROW(KvBlocks(0, 4), Error);
}

TEST(KvBlocks, PublishedBlocksAreFoundByTheirPrefixAndShared) {
  KvBlocks kv(4, 4);
  const int32_t a = kv.allocate(), b = kv.allocate();
  kv.publish(a, KvBlocks::kRootHash, kA);
  const uint64_t ha = KvBlocks::chain(KvBlocks::kRootHash, kA);
  kv.publish(b, ha, kB);
  // The same tokens after another prefix are another block.
  EXPECT_EQ(kv.lookup(KvBlocks::kRootHash, kB), -1);
  EXPECT_EQ(kv.lookup(KvBlocks::kRootHash, std::vector<int32_t>{1, 2, 3, 5}), -1);
  // Shared while referenced: a second reference keeps it out of reach of allocate().
  EXPECT_EQ(kv.lookup(KvBlocks::kRootHash, kA), a);
  EXPECT_EQ(kv.lookup(ha, kB), b);
  kv.release(a);
  kv.release(b);
  EXPECT_EQ(kv.referenced(), 2);
  EXPECT_EQ(kv.cached(), 0);
  // Released by everyone: cached, still found, and counted as available.
  kv.release(a);
  kv.release(b);
  EXPECT_EQ(kv.cached(), 2);
  EXPECT_EQ(kv.available(), 4);
  EXPECT_EQ(kv.lookup(KvBlocks::kRootHash, kA), a);
  EXPECT_EQ(kv.cached(), 1);
  EXPECT_THROW(kv.publish(a, KvBlocks::kRootHash, std::vector<int32_t>{1, 2}), Error);
}

TEST(KvBlocks, FreeBlocksGoFirstThenTheLeastRecentlyReleasedCachedOne) {
  KvBlocks kv(3, 4);
  const int32_t a = kv.allocate(), b = kv.allocate();
  kv.publish(a, KvBlocks::kRootHash, kA);
  kv.publish(b, KvBlocks::kRootHash, kB);
  kv.release(b);  // released first: evicted first
  kv.release(a);
  EXPECT_EQ(kv.allocate(), 2);  // the never-used block before any cached one
  EXPECT_EQ(kv.allocate(), b);
  EXPECT_EQ(kv.lookup(KvBlocks::kRootHash, kB), -1) << "an evicted block is no longer found";
  EXPECT_EQ(kv.lookup(KvBlocks::kRootHash, kA), a);
  EXPECT_EQ(kv.allocate(), -1);
}

TEST(KvBlocks, DuplicateContentKeepsTheFirstCopyAndFreesTheSecond) {
  KvBlocks kv(2, 4);
  const int32_t a = kv.allocate(), b = kv.allocate();
  kv.publish(a, KvBlocks::kRootHash, kA);
  kv.publish(b, KvBlocks::kRootHash, kA);
  kv.release(b);
  EXPECT_EQ(kv.cached(), 0) << "the duplicate was never published, so it is free";
  EXPECT_EQ(kv.lookup(KvBlocks::kRootHash, kA), a);
  EXPECT_THROW(kv.release(b), Error) << "released more often than taken";
}

}  // namespace
}  // namespace hearth::engine
