// LoopPrologue: every piece made once, `finish` once after all of them, and
// no range of the loop starts before both, on pools of 1-4 threads (more
// threads than the machine's cores too: a thread that took a piece may be
// descheduled); a piece that throws reaches the loop's caller without a hang.
#include "core/loop_prologue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <vector>

#include "core/thread_pool.h"

namespace hearth {
namespace {

TEST(LoopPrologue, EveryRangeStartsAfterEveryPieceAndTheFinish) {
  for (const int threads : {1, 2, 3, 4}) {
    ThreadPool pool(threads);
    for (const int64_t n_pieces : {0, 1, 2, 7, 64}) {
      for (int round = 0; round < 20; ++round) {
        std::vector<std::atomic<int>> made(static_cast<size_t>(n_pieces));
        std::atomic<int> finished{0}, pieces_after_finish{0}, early_ranges{0}, ranges{0};
        std::atomic<int64_t> pieces_done{0};
        LoopPrologue prologue(
            n_pieces,
            [&](int64_t p) {
              if (finished.load() != 0) ++pieces_after_finish;
              ++made[static_cast<size_t>(p)];
              ++pieces_done;
            },
            [&] {
              if (pieces_done.load() != n_pieces) ++pieces_after_finish;
              ++finished;
            });
        pool.parallel_for(
            100,
            [&](int64_t, int64_t, int) {
              prologue.wait();
              if (pieces_done.load() != n_pieces || finished.load() != 1) ++early_ranges;
              ++ranges;
            },
            1);
        for (int64_t p = 0; p < n_pieces; ++p) {
          ASSERT_EQ(made[static_cast<size_t>(p)].load(), 1) << "piece " << p << " of " << n_pieces << ", " << threads << " threads";
        }
        ASSERT_EQ(finished.load(), 1) << n_pieces << " pieces, " << threads << " threads";
        ASSERT_EQ(pieces_after_finish.load(), 0) << n_pieces << " pieces, " << threads << " threads";
        ASSERT_EQ(early_ranges.load(), 0) << n_pieces << " pieces, " << threads << " threads";
        ASSERT_GT(ranges.load(), 0);
      }
    }
  }
}

TEST(LoopPrologue, APieceThatThrowsReachesTheCaller) {
  for (const int threads : {1, 2, 4}) {
    ThreadPool pool(threads);
    LoopPrologue prologue(8, [](int64_t p) {
      if (p == 5) throw std::runtime_error("piece 5");
    });
    EXPECT_THROW(pool.parallel_for(
                     64, [&](int64_t, int64_t, int) { prologue.wait(); }, 1),
                 std::runtime_error)
        << threads << " threads";
    // The pool still runs loops after it.
    std::atomic<int64_t> sum{0};
    pool.parallel_for(10, [&](int64_t b, int64_t e, int) {
      for (int64_t i = b; i < e; ++i) sum += i;
    });
    EXPECT_EQ(sum.load(), 45);
  }
}

}  // namespace
}  // namespace hearth
