#include "engine/token_stream.h"

namespace hearth::engine {

const char* to_string(FinishReason r) {
  switch (r) {
    case FinishReason::stop: return "stop";
    case FinishReason::length: return "length";
    case FinishReason::cancelled: return "cancelled";
    case FinishReason::error: return "error";
  }
  return "error";
}

void TokenStream::set_notify(std::function<void()> notify) {
  std::function<void()> ring;
  {
    std::lock_guard lock(mu_);
    notify_ = std::move(notify);
    if (!events_.empty()) ring = notify_;
  }
  if (ring) ring();
}

std::optional<StreamEvent> TokenStream::try_pop() {
  std::lock_guard lock(mu_);
  if (events_.empty()) return std::nullopt;
  StreamEvent ev = std::move(events_.front());
  events_.pop_front();
  return ev;
}

std::optional<StreamEvent> TokenStream::next(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  if (!cv_.wait_for(lock, timeout, [&] { return !events_.empty(); })) return std::nullopt;
  StreamEvent ev = std::move(events_.front());
  events_.pop_front();
  return ev;
}

void TokenStream::push(StreamEvent ev) {
  std::function<void()> notify;
  {
    std::lock_guard lock(mu_);
    events_.push_back(std::move(ev));
    notify = notify_;
  }
  cv_.notify_all();
  if (notify) notify();
}

}  // namespace hearth::engine
