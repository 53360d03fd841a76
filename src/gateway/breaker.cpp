#include "gateway/breaker.h"

namespace hearth::gateway {

bool CircuitBreaker::would_allow(Clock::time_point now) const {
  switch (state_) {
    case State::closed: return true;
    case State::open: return now - opened_at_ >= open_for_;
    case State::half_open: return !probe_out_;
  }
  return false;
}

bool CircuitBreaker::allow(Clock::time_point now) {
  if (!would_allow(now)) return false;
  if (state_ == State::open) state_ = State::half_open, probe_out_ = false;
  if (state_ == State::half_open) probe_out_ = true;
  return true;
}

void CircuitBreaker::record_success() {
  state_ = State::closed;
  failures_ = 0;
  probe_out_ = false;
}

void CircuitBreaker::record_failure(Clock::time_point now) {
  ++failures_;
  if (state_ == State::half_open || failures_ >= threshold_) {
    state_ = State::open;
    opened_at_ = now;
    probe_out_ = false;
  }
}

const char* to_string(CircuitBreaker::State s) {
  switch (s) {
    case CircuitBreaker::State::closed: return "closed";
    case CircuitBreaker::State::open: return "open";
    case CircuitBreaker::State::half_open: return "half_open";
  }
  return "?";
}

}  // namespace hearth::gateway
