// Waiting for another thread that is about to finish: pause-polls, then
// polls that yield the core (the thread pool's hand-offs, core/thread_pool.h,
// and work a loop's threads share before it, core/loop_prologue.h).
#pragma once

#include <chrono>
#include <thread>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace hearth {

// Tells the core we are in a spin loop (frees the sibling hyper-thread, saves power).
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#else
  std::this_thread::yield();
#endif
}

// Waits until done() or `micros` have passed; returns done(). First a few µs
// of pause-polls (the common case: the other side is running and about to
// finish), then polls that yield the core between checks, so that on an
// oversubscribed machine the thread we wait for can run in our place. The
// clock is read only every 64 polls: a poll is a few ns, the clock ~20 ns.
template <typename Done>
bool spin_until(Done done, int micros) {
  for (int i = 0; i < 256; ++i) {
    if (done()) return true;
    cpu_relax();
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(micros);
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (done()) return true;
      std::this_thread::yield();
    }
    if (std::chrono::steady_clock::now() > deadline) return done();
  }
}

}  // namespace hearth
