// Work every range of a parallel loop needs done before it starts (one
// token's activation row, which each thread of a decode matmul reads whole),
// in pieces that the loop's threads take as they arrive: the caller no longer
// does it alone before the loop while the other threads wait for the loop to
// start. A decode step has ~5 such stretches per layer (the FFN gate's SwiGLU
// and the quantization of each matrix's input), ~30 µs a layer when the
// caller did them alone (README, Performance: Session 26).
//
//   LoopPrologue rows(n_pieces, make_piece, finish);
//   pool.parallel_for(n, [&](int64_t b, int64_t e, int) { rows.wait(); ... });
//
// wait() takes pieces until none is left, then waits for the pieces the
// others took; `finish` runs once, on the thread that completes the last
// piece, and before any wait() returns. A thread only waits for pieces that
// running threads have taken, so a descheduled thread delays the others by
// at most one piece (and never blocks them if it has taken none). If a
// piece throws, wait() rethrows it on that thread and returns on the others
// (the pool's loop then rethrows it to its caller).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>

namespace hearth {

class LoopPrologue {
 public:
  using PieceFn = std::function<void(int64_t piece)>;
  using FinishFn = std::function<void()>;

  LoopPrologue(int64_t n_pieces, PieceFn piece, FinishFn finish = {});
  LoopPrologue(const LoopPrologue&) = delete;
  LoopPrologue& operator=(const LoopPrologue&) = delete;

  // Returns once every piece and `finish` are done (their writes visible to
  // the caller). Cheap once the prologue is done: one atomic load.
  void wait() {
    if (!ready_.load(std::memory_order_acquire)) work_and_wait();
  }

 private:
  void work_and_wait();

  const int64_t n_pieces_;
  const PieceFn piece_;
  const FinishFn finish_;
  // The next piece to take and the pieces done, on lines of their own
  // (every thread takes from the first; the last one done writes ready_).
  alignas(64) std::atomic<int64_t> next_{0};
  alignas(64) std::atomic<int64_t> done_{0};
  alignas(64) std::atomic<bool> ready_{false};
};

}  // namespace hearth
