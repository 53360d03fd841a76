// The channel between the scheduler's engine thread (producer) and one
// request's consumer (an HTTP connection, a test). Pull-based: the producer
// pushes events and rings the consumer's notify callback; the consumer takes
// them with try_pop() (or next() when it may block). A consumer that goes
// away calls cancel(); the scheduler drops the sequence and frees its KV
// cells before its next step.
//
//   auto s = scheduler.submit(req);
//   while (auto ev = s->next(5s)) { show(ev->text); if (ev->done) break; }
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "sampling/logprobs.h"

namespace hearth::engine {

enum class FinishReason { stop, length, cancelled, error };
const char* to_string(FinishReason r);  // "stop", "length", "cancelled", "error"

struct StreamEvent {
  // Text safe to show now (stop strings and incomplete UTF-8 held back);
  // may be empty.
  std::string text;
  // The generated token (-1 on the final event).
  int32_t token = -1;
  // Set when the request asked for logprobs (for `token`).
  std::optional<sampling::Logprobs> logprobs;
  // The last event of the stream carries done = true and the totals.
  bool done = false;
  FinishReason finish = FinishReason::stop;
  // finish == stop because a stop string appeared: its index in the
  // request's stops (unset when the model ended the text itself).
  std::optional<size_t> stop_index;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;  // tokens sampled, end-of-generation token excluded
  int64_t cached_tokens = 0;      // prompt tokens whose keys/values came from the prefix cache
  std::string error;              // finish == error: what went wrong
  std::vector<float> embedding;   // embedding requests: the pooled, normalised vector (final event)
};

class TokenStream {
 public:
  // Called (from the engine thread, no lock held) after each push. Set it
  // before the first event can arrive, i.e. before or right after submit:
  // events pushed earlier stay queued and a later set_notify rings once.
  void set_notify(std::function<void()> notify);

  std::optional<StreamEvent> try_pop();
  // Blocks up to `timeout`; nullopt when nothing arrived.
  std::optional<StreamEvent> next(std::chrono::milliseconds timeout);

  void cancel() { cancelled_.store(true); }
  bool cancelled() const { return cancelled_.load(); }

  // Producer side (the scheduler).
  void push(StreamEvent ev);

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<StreamEvent> events_;
  std::function<void()> notify_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace hearth::engine
