// Honest token counts for streamed cloud answers, and a usage chunk in
// every cached stream (cache_replay.h). An OpenAI-compatible cloud
// reports a stream's usage only when asked with
// stream_options: {"include_usage": true}: it then sends one more chunk
// before `data: [DONE]`, with "choices": [] and the "usage" of the whole
// answer (and "usage": null on every other chunk). The gateway asks for it
// on every streamed cloud request, so the budget and the audit's completion
// record get the cloud's real counts, and strips that extra chunk from the
// client's stream when the client had not asked for it itself. It asks the
// nodes too when the answer will be cached, so that the stored stream can
// serve a later client that asks for the usage.
//
//   ask_stream_usage(body)   before the guard (so the audited, hashed body is
//                            exactly the one sent); true when it added the
//                            option, i.e. the client must not see the chunk
//   UsageChunkFilter         between the cloud's stream and the client's
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace hearth::gateway {

// The request body sets "stream_options": {"include_usage": true}.
bool client_asked_usage(const nlohmann::json& body);

// Sets stream_options.include_usage = true on a request body with
// "stream": true (other bodies are left alone). Returns true when the
// client had not set it true itself (it was absent or false).
bool ask_stream_usage(nlohmann::json& body);

// One SSE event (its lines, blank-line terminator included or not) is the
// usage-only chunk: its data is a JSON object with "choices": [] and a
// "usage" object. Only an event where a "usage" key is followed by an
// object is parsed (the others, "usage": null on every chunk of an
// answer asked for its usage, are told apart without a parse).
bool is_usage_only_event(std::string_view event);

// Relays an SSE stream, dropping usage-only events when `strip` is set.
// Bytes arrive cut anywhere, so while stripping an incomplete event is held
// back until its blank line arrives; without `strip` bytes pass at once.
class UsageChunkFilter {
 public:
  explicit UsageChunkFilter(bool strip) : strip_(strip) {}

  // The bytes to forward now.
  std::string pass(std::string_view bytes);
  // At the end of the stream: what is still held (an unterminated event), as is.
  std::string flush();

 private:
  bool strip_;
  std::string held_;     // bytes of the event being received
  size_t scanned_ = 0;   // held_[0, scanned_) holds no event end
};

// A whole stream without its usage-only events (what a client that did not
// ask for them was sent).
std::string without_usage_chunks(std::string_view sse);

}  // namespace hearth::gateway
