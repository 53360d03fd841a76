#include "core/loop_prologue.h"

#include <utility>

#include "core/spin.h"

namespace hearth {

LoopPrologue::LoopPrologue(int64_t n_pieces, PieceFn piece, FinishFn finish)
    : n_pieces_(n_pieces), piece_(std::move(piece)), finish_(std::move(finish)) {
  if (n_pieces_ <= 0) {
    if (finish_) finish_();
    ready_.store(true, std::memory_order_release);
  }
}

void LoopPrologue::work_and_wait() {
  try {
    for (int64_t p; (p = next_.fetch_add(1, std::memory_order_relaxed)) < n_pieces_;) {
      piece_(p);
      // acq_rel: the thread that completes the last piece sees every other
      // piece's writes before `finish` reads them, and publishes all of them.
      if (done_.fetch_add(1, std::memory_order_acq_rel) + 1 == n_pieces_) {
        if (finish_) finish_();
        ready_.store(true, std::memory_order_release);
        return;
      }
    }
  } catch (...) {
    // No one waits for a piece that will never be done: the others go on
    // (their loop is failing: the pool rethrows this to its caller).
    ready_.store(true, std::memory_order_release);
    throw;
  }
  const auto ready = [this] { return ready_.load(std::memory_order_acquire); };
  while (!spin_until(ready, 200)) {
  }
}

}  // namespace hearth
