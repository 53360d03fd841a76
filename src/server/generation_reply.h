// The part of every generating endpoint that no dialect owns: submit the
// request's engine::GenerationRequests (one per choice; OpenAI's n) to the
// model's scheduler and drain their TokenStreams into the reply, buffered
// (one body at the end) or streamed (written as produced). A dialect
// supplies only a Renderer that turns the events into its own JSON / SSE /
// NDJSON.
//
//   handler ─► parse (dialect) ─► GenerationRequest(s) ─► generation_reply()
//                                                        │ Scheduler::submit
//                                                        ▼
//   connection pulls ◄─ GenerationSource ◄─ TokenStream events
//                          │ token(i)  per generated token of choice i
//                          │ done(i)   once per choice, with its Outcome
//                          │           (usage, timings, the stop string)
//                          │ close()   once, after every choice is done
//                          └ fail()    generation failed (500 in the dialect's shape)
//
// A client that disconnects cancels every stream; nothing more is rendered.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

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
  int64_t cached_tokens = 0;      // prompt tokens whose keys/values came from the prefix cache
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
  // One generated token of choice `choice` (0 when the request has one);
  // ev.text is the text safe to show now (may be empty while a stop string
  // or a UTF-8 character is pending).
  virtual void token(size_t choice, const engine::StreamEvent& ev, std::string& out) = 0;
  // The end of one choice. tail: text held back until the end (already in o.text).
  virtual void done(size_t choice, const Outcome& o, const std::string& tail, std::string& out) = 0;
  // Every choice is done (after the last done()).
  virtual void close(std::string& out) { (void)out; }
  // Generation failed after the reply began; e.status() is the buffered
  // reply's status.
  virtual void fail(const ApiError& e, std::string& out) = 0;
};

struct ReplyFormat {
  bool streamed = false;
  std::string content_type = "application/json";  // of the streamed body (buffered bodies are JSON)
};

// Submits every request of `choices` (all or none: when one is refused the
// others are cancelled and the error propagates; throws what
// Scheduler::submit throws: ContextFullError, QueueFullError, hearth::Error)
// and returns the reply that renders them. received: when the request
// arrived (for Outcome's timings).
HttpReply generation_reply(ModelService& model, std::vector<engine::GenerationRequest> choices,
                           const ReplyFormat& format, std::unique_ptr<Renderer> renderer, Clock::time_point received);
// One choice.
HttpReply generation_reply(ModelService& model, engine::GenerationRequest gen, const ReplyFormat& format,
                           std::unique_ptr<Renderer> renderer, Clock::time_point received);

// Seconds since the Unix epoch, and a process-unique id "<prefix><time>-<n>".
int64_t unix_now();
std::string new_response_id(const char* prefix);

}  // namespace hearth::server
