// ThreadPool: every index covered exactly once, thread indices private to one
// call at a time, and no lost wake-up whether workers are spinning or asleep.
#include "core/thread_pool.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

namespace hearth {
namespace {

// Runs one loop and checks its contract: each i in [0, n) visited once,
// ranges at least `grain` long except the last, thread_index in range and
// never used by two calls at the same time.
void check_loop(ThreadPool& pool, int64_t n, int64_t grain) {
  std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
  std::vector<std::atomic<int>> in_use(static_cast<size_t>(pool.size()));
  std::atomic<int> bad_index{0}, shared_index{0}, short_range{0};
  pool.parallel_for(
      n,
      [&](int64_t b, int64_t e, int t) {
        if (t < 0 || t >= pool.size()) {
          ++bad_index;
          return;
        }
        if (in_use[static_cast<size_t>(t)].fetch_add(1) != 0) ++shared_index;
        if (e - b < grain && e != n) ++short_range;
        for (int64_t i = b; i < e; ++i) ++hits[static_cast<size_t>(i)];
        in_use[static_cast<size_t>(t)].fetch_sub(1);
      },
      grain);
  EXPECT_EQ(bad_index.load(), 0);
  EXPECT_EQ(shared_index.load(), 0);
  EXPECT_EQ(short_range.load(), 0);
  for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[static_cast<size_t>(i)].load(), 1) << "index " << i << " of " << n;
}

TEST(ThreadPool, CoversEveryIndexOnce) {
  for (int threads : {1, 2, 3, 5}) {
    ThreadPool pool(threads);
    EXPECT_EQ(pool.size(), threads);
    for (int64_t n : {0, 1, 2, 3, 7, 64, 1000, 4097}) {
      for (int64_t grain : {1, 3, 256}) check_loop(pool, n, grain);
    }
  }
}

// Back-to-back loops while workers spin, then loops separated by more than
// the spin time so workers are asleep when each starts: a lost wake-up hangs here.
TEST(ThreadPool, ManyLoopsSpinningAndSleeping) {
  ThreadPool pool(2);
  std::atomic<int64_t> sum{0};
  for (int i = 0; i < 3000; ++i) {
    pool.parallel_for(8, [&](int64_t b, int64_t e, int) { sum += e - b; });
  }
  EXPECT_EQ(sum.load(), 8 * 3000);
  for (int i = 0; i < 5; ++i) {
    std::this_thread::sleep_for(std::chrono::microseconds(4 * ThreadPool::kSpinMicros));
    check_loop(pool, 100, 1);
  }
}

// A slow range on one thread: the others keep taking chunks, and the loop
// only returns once the slow one is done.
TEST(ThreadPool, WaitsForTheSlowestRange) {
  ThreadPool pool(2);
  std::atomic<int> done{0};
  pool.parallel_for(16, [&](int64_t b, int64_t e, int) {
    if (b == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    done += static_cast<int>(e - b);
  });
  EXPECT_EQ(done.load(), 16);
}

// The owner of a share takes half of what is left at a time: no range is
// longer than half a share, and each share ends in ranges of one chunk (the
// pieces that let the threads finish together), whoever takes them.
TEST(ThreadPool, SharesEndInSmallRanges) {
  ThreadPool pool(2);
  const int64_t n = 2 * ThreadPool::kChunksPerShare * 100;  // chunks of 100
  std::mutex mu;
  std::vector<std::pair<int64_t, int64_t>> ranges;
  pool.parallel_for(n, [&](int64_t b, int64_t e, int) {
    std::lock_guard lock(mu);
    ranges.emplace_back(b, e);
  });
  std::sort(ranges.begin(), ranges.end());
  int64_t covered = 0;
  for (const auto& [b, e] : ranges) {
    EXPECT_EQ(b, covered);
    EXPECT_LE(e - b, n / 4);
    EXPECT_EQ((e - b) % 100, 0);
    covered = e;
  }
  EXPECT_EQ(covered, n);
  for (const int64_t share_end : {n / 2, n}) {
    const auto last = std::find_if(ranges.begin(), ranges.end(), [&](const auto& r) { return r.second == share_end; });
    ASSERT_NE(last, ranges.end());
    EXPECT_EQ(last->second - last->first, 100) << "the range ending share at " << share_end;
  }
}

// An exception in one range reaches the caller, and the pool still works.
TEST(ThreadPool, RethrowsTheFirstException) {
  for (int threads : {1, 2, 3}) {
    ThreadPool pool(threads);
    EXPECT_THROW(pool.parallel_for(64, [](int64_t b, int64_t, int) {
      if (b == 0) throw std::runtime_error("range 0 failed");
    }),
                 std::runtime_error);
    check_loop(pool, 64, 1);
  }
}

TEST(ThreadPool, DestroysWithSleepingWorkers) {
  auto pool = std::make_unique<ThreadPool>(4);
  check_loop(*pool, 10, 1);
  std::this_thread::sleep_for(std::chrono::microseconds(4 * ThreadPool::kSpinMicros));
  pool.reset();  // must join without hanging
  SUCCEED();
}

}  // namespace
}  // namespace hearth
