// A fixed pool of worker threads for data-parallel loops (matmul rows,
// attention heads). The calling thread takes part, so a pool of N uses N
// threads in all.
//
// A decode step runs ~130 parallel loops of 10-300 µs each, so the cost of
// starting and joining one loop matters: workers spin on a generation counter
// for a short while after each loop (a start costs ~1 µs instead of a
// condition-variable wake-up's 20-50 µs), and only sleep on a condition
// variable once the pool has been idle for kSpinMicros.
//
// Each thread starts on a contiguous share of [0, n), taken in chunks from its
// own counter, so its reads form one forward stream (a matmul's weight rows:
// the hardware prefetchers follow one stream per thread, where chunks handed
// out round-robin from a shared counter made every thread jump every chunk).
// A thread that runs out takes the next chunks of the others' shares, so a
// thread that was descheduled (the machine is shared) leaves its remaining
// chunks to the others and all threads finish together. The owner takes
// half of what is left of its share at a time: few calls, and last pieces
// of 1/32 of a share, so that the threads finish within a small piece of
// each other. Llama-3.2-1B Q4_0 decode, 2 threads (Zen 5): the threads'
// idle time in the 2048-row matmuls 6.9-7.5 -> 3.6-4.0 % of the loop (one
// chunk of 1/8 of a share at a time before), in the output matmul 3.3-4.4
// -> 1.1-2.2 %.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace hearth {

class ThreadPool {
 public:
  using RangeFn = std::function<void(int64_t begin, int64_t end, int thread_index)>;

  // n_threads <= 0: all hardware threads.
  explicit ThreadPool(int n_threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_threads_; }

  // Calls fn(begin, end, thread_index) on disjoint ranges covering [0, n),
  // each at least `grain` long (except the last), possibly several per
  // thread; thread_index is in [0, size()) and no two concurrent calls share
  // one, so it can index per-thread scratch. Blocks until all ranges are done.
  // Not reentrant (fn must not call parallel_for on the same pool). If fn
  // throws, the ranges not yet started are skipped and the first exception
  // is rethrown here once every thread has stopped.
  void parallel_for(int64_t n, const RangeFn& fn, int64_t grain = 1);

  // Chunks per thread's share of a loop (fewer where `grain` is larger).
  static constexpr int64_t kChunksPerShare = 32;

  // How long a worker spins for the next loop before it sleeps.
  static constexpr int kSpinMicros = 200;

 private:
  void worker(int index);
  void run_chunks(int index);
  void wait_for_workers();

  int n_threads_;
  std::vector<std::thread> workers_;

  // Takes the chunks left in thread `owner`'s share, as thread `index`.
  void run_share(int owner, int index);

  // The current loop; written by the caller before generation_ is bumped.
  const RangeFn* job_ = nullptr;
  int64_t job_n_ = 0;
  int64_t job_chunk_ = 1;

  // Thread i's share: chunks [next, end) of the current loop, on a cache line
  // of its own (its owner takes from it all loop long, others only at the end).
  struct alignas(64) Share {
    std::atomic<int64_t> next{0};
    int64_t end = 0;
  };
  std::unique_ptr<Share[]> shares_;

  // Hot atomics on their own cache lines (the caller writes generation_,
  // workers poll it).
  alignas(64) std::atomic<uint64_t> generation_{0};
  alignas(64) std::atomic<bool> failed_{false};  // an exception: skip the chunks not started
  alignas(64) std::atomic<int> pending_{0};  // workers not yet done with the loop

  // Sleeping (after the spin): workers wait on start_cv_, the caller on done_cv_.
  alignas(64) std::mutex mu_;
  std::condition_variable start_cv_, done_cv_;
  std::atomic<int> sleepers_{0};
  std::atomic<bool> caller_sleeping_{false};
  std::atomic<bool> stop_{false};
  std::exception_ptr error_;  // first exception of the current loop (under mu_)
};

}  // namespace hearth
