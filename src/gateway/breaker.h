// A per-upstream circuit breaker. Closed: requests flow. After `threshold`
// consecutive failures it opens: nothing is sent for `open_for`; then it is
// half-open and lets exactly one probe through (a request or an active
// health check); the probe's success closes it, its failure opens it again.
// Not thread-safe on its own: NodePool guards it with its mutex.
#pragma once

#include <chrono>

namespace hearth::gateway {

class CircuitBreaker {
 public:
  using Clock = std::chrono::steady_clock;
  enum class State { closed, open, half_open };

  CircuitBreaker(int threshold, Clock::duration open_for) : threshold_(threshold), open_for_(open_for) {}

  // May a request go now? In half-open, true once (that caller is the probe).
  bool allow(Clock::time_point now);
  // Would allow() say yes, without taking the probe slot.
  bool would_allow(Clock::time_point now) const;
  void record_success();
  void record_failure(Clock::time_point now);

  State state() const { return state_; }
  int consecutive_failures() const { return failures_; }

 private:
  int threshold_;
  Clock::duration open_for_;
  State state_ = State::closed;
  int failures_ = 0;
  Clock::time_point opened_at_{};
  bool probe_out_ = false;
};

const char* to_string(CircuitBreaker::State s);

}  // namespace hearth::gateway
