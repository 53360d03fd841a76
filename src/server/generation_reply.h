// The part of every generating endpoint that no dialect owns: submit one
// engine::GenerationRequest to the model's scheduler and drain its
// TokenStream into the reply, buffered (one body at the end) or streamed
// (written as produced). A dialect supplies only a Renderer that turns the
// events into its own JSON / SSE / NDJSON.
//
//   handler ─► parse (dialect) ─► GenerationRequest ─► generation_reply()
//                                                        │ Scheduler::submit
//                                                        ▼
//   connection pulls ◄─ GenerationSource ◄─ TokenStream events
//                          │ token()  per generated token
//                          │ done()   once, with the Outcome (usage, timings,
//                          │          the stop string that ended it)
//                          └ fail()   generation failed (500 in the dialect's shape)
//
// A client that disconnects cancels the stream; nothing more is rendered.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "engine/scheduler.h"
#include "server/api_error.h"
#include "server/http_types.h"
#include "server/model_service.h"

namespace hearth::server {

using Clock = std::chrono::steady_clock;

// What a finished generation reports to its renderer.
struct Outcome {
  engine::FinishReason finish = engine::FinishReason::stop;  // stop or length
  std::optional<std::string> stop_string;  // the stop string that ended it (unset: the model did, or length)
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;  // tokens generated, end-of-generation token excluded
  std::string text;               // the whole generated text
  // Measured where the reply is rendered: from the request's arrival to
  // the first generated token (queue + tokenizing + prompt evaluation), and
  // from there to the end.
  std::chrono::nanoseconds total{0}, prompt_eval{0}, eval{0};
};

class Renderer {
 public:
  virtual ~Renderer() = default;
  // Streamed replies: called once before any token (stream preamble).
  virtual void open(std::string& out) { (void)out; }
  // One generated token; ev.text is the text safe to show now (may be
  // empty while a stop string or a UTF-8 character is pending).
  virtual void token(const engine::StreamEvent& ev, std::string& out) = 0;
  // The end. tail: text held back until the end (already in o.text).
  virtual void done(const Outcome& o, const std::string& tail, std::string& out) = 0;
  // Generation failed after the reply began; e.status() is the buffered
  // reply's status.
  virtual void fail(const ApiError& e, std::string& out) = 0;
};

struct ReplyFormat {
  bool streamed = false;
  std::string content_type = "application/json";  // of the streamed body (buffered bodies are JSON)
};

// Submits `gen` (throws what Scheduler::submit throws: ContextFullError,
// QueueFullError, hearth::Error) and returns the reply that renders it.
// received: when the request arrived (for Outcome's timings).
HttpReply generation_reply(ModelService& model, engine::GenerationRequest gen, const ReplyFormat& format,
                           std::unique_ptr<Renderer> renderer, Clock::time_point received);

// Seconds since the Unix epoch, and a process-unique id "<prefix><time>-<n>".
int64_t unix_now();
std::string new_response_id(const char* prefix);

}  // namespace hearth::server
