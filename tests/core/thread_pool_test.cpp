// ThreadPool: every index covered exactly once, thread indices private to one
// call at a time, and no lost wake-up whether workers are spinning or asleep.
#include "core/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <thread>
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
