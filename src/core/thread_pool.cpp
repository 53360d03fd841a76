#include "core/thread_pool.h"

#include <algorithm>
#include <utility>

#include "core/spin.h"

namespace hearth {

ThreadPool::ThreadPool(int n_threads)
    : n_threads_(n_threads > 0 ? n_threads
                               : std::max(1, static_cast<int>(std::thread::hardware_concurrency()))),
      shares_(std::make_unique<Share[]>(static_cast<size_t>(n_threads_))) {
  for (int i = 1; i < n_threads_; ++i) workers_.emplace_back([this, i] { worker(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mu_);
    stop_.store(true);
    generation_.fetch_add(1);
  }
  start_cv_.notify_all();
  for (auto& t : workers_) t.join();
}

// Chunk c covers [c * chunk, (c + 1) * chunk). The owner takes half of what
// is left of its share at a time (at least one chunk), so it makes few calls
// and its last ones are one chunk each; others take one chunk at a time. An
// exception ends the loop early: chunks not yet started are skipped and the
// first exception is kept for the caller.
void ThreadPool::run_share(int owner, int index) {
  Share& share = shares_[static_cast<size_t>(owner)];
  const int64_t n = job_n_, chunk = job_chunk_;
  for (;;) {
    if (failed_.load(std::memory_order_relaxed)) return;
    int64_t c = 0, take = 1;
    if (owner == index) {
      // Half of what is left from the chunk claimed, in one step: a piece
      // never passes the share's end, and the share's last one is a single
      // chunk, whatever the others took meanwhile.
      c = share.next.load(std::memory_order_relaxed);
      do {
        if (c >= share.end) return;
        take = std::max<int64_t>(1, (share.end - c) / 2);
      } while (!share.next.compare_exchange_weak(c, c + take, std::memory_order_relaxed));
    } else {
      c = share.next.fetch_add(1, std::memory_order_relaxed);
      if (c >= share.end) return;
    }
    try {
      (*job_)(c * chunk, std::min(n, (c + take) * chunk), index);
    } catch (...) {
      failed_.store(true, std::memory_order_relaxed);
      std::lock_guard lock(mu_);
      if (!error_) error_ = std::current_exception();
      return;
    }
  }
}

// Its own share first, then what is left of the others', nearest first.
void ThreadPool::run_chunks(int index) {
  run_share(index, index);
  for (int k = 1; k < n_threads_; ++k) run_share((index + k) % n_threads_, index);
}

void ThreadPool::parallel_for(int64_t n, const RangeFn& fn, int64_t grain) {
  if (n <= 0) return;
  grain = std::max<int64_t>(1, grain);
  if (n_threads_ == 1 || n <= grain) {
    fn(0, n, 0);
    return;
  }
  // About kChunksPerShare chunks per share: a thread's share is one stream
  // whatever the chunk size, and its owner takes them in halving pieces
  // (run_share), so chunks only need to be small enough that the last ones
  // balance the threads.
  const int64_t chunks_wanted = kChunksPerShare * static_cast<int64_t>(n_threads_);
  job_ = &fn;
  job_n_ = n;
  job_chunk_ = std::max(grain, (n + chunks_wanted - 1) / chunks_wanted);
  const int64_t n_chunks = (n + job_chunk_ - 1) / job_chunk_;
  for (int i = 0; i < n_threads_; ++i) {
    Share& share = shares_[static_cast<size_t>(i)];
    share.next.store(n_chunks * i / n_threads_, std::memory_order_relaxed);
    share.end = n_chunks * (i + 1) / n_threads_;
  }
  failed_.store(false, std::memory_order_relaxed);
  pending_.store(n_threads_ - 1, std::memory_order_relaxed);
  // seq_cst: pairs with the sleepers_ increment in worker() (a worker either
  // sees the new generation before sleeping, or we see it asleep and wake it).
  generation_.fetch_add(1);
  if (sleepers_.load() > 0) {
    { std::lock_guard lock(mu_); }
    start_cv_.notify_all();
  }
  run_chunks(0);
  wait_for_workers();
  job_ = nullptr;
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
}

void ThreadPool::wait_for_workers() {
  const auto done = [this] { return pending_.load(std::memory_order_acquire) == 0; };
  if (spin_until(done, kSpinMicros)) return;
  std::unique_lock lock(mu_);
  caller_sleeping_.store(true);
  done_cv_.wait(lock, done);
  caller_sleeping_.store(false);
}

void ThreadPool::worker(int index) {
  uint64_t seen = 0;
  const auto started = [&] { return generation_.load(std::memory_order_acquire) != seen; };
  for (;;) {
    if (!spin_until(started, kSpinMicros)) {
      std::unique_lock lock(mu_);
      sleepers_.fetch_add(1);
      start_cv_.wait(lock, [&] { return generation_.load() != seen; });
      sleepers_.fetch_sub(1);
    }
    if (stop_.load()) return;
    seen = generation_.load(std::memory_order_acquire);
    run_chunks(index);
    // seq_cst: pairs with caller_sleeping_ in wait_for_workers().
    if (pending_.fetch_sub(1) == 1 && caller_sleeping_.load()) {
      { std::lock_guard lock(mu_); }
      done_cv_.notify_one();
    }
  }
}

}  // namespace hearth
