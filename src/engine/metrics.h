// Serving counters the scheduler keeps as it works, read by /metrics.
//
//   Histogram: fixed upper bounds (seconds), one count per bucket, the sum
//   and the count; observe() is called by the engine thread, snapshot() by
//   any thread (both take a small lock: at most one observation per token).
//   SchedulerMetrics: token counters and the two latency histograms, all
//   measured on the engine thread where tokens are produced:
//     time to first token = submit() -> the first token pushed to the stream
//                           (queueing and prefill included),
//     inter-token latency = one token pushed -> the next token of the same
//                           sequence pushed.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

namespace hearth::engine {

class Histogram {
 public:
  // bounds: strictly increasing upper bounds; +Inf is implied.
  explicit Histogram(std::vector<double> bounds);

  void observe(double value);

  struct Snapshot {
    std::vector<double> bounds;     // upper bounds, +Inf excluded
    std::vector<uint64_t> buckets;  // cumulative: observations <= bounds[i]; back() is +Inf (== count)
    double sum = 0;
    uint64_t count = 0;
  };
  Snapshot snapshot() const;

 private:
  mutable std::mutex mu_;
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;  // per bucket, not cumulative; one more than bounds_ (+Inf)
  double sum_ = 0;
};

struct SchedulerMetrics {
  std::atomic<uint64_t> prompt_tokens{0};     // prompt tokens evaluated (generation and embedding)
  std::atomic<uint64_t> generated_tokens{0};  // tokens sampled and sent (end-of-generation excluded)
  std::atomic<uint64_t> embedded_inputs{0};   // embedding requests completed
  Histogram time_to_first_token{{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}};
  Histogram inter_token_latency{{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}};
};

}  // namespace hearth::engine
