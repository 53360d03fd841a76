// What the gateway needs to know about the dialects' streams (SSE): when a
// stream is complete (OpenAI's `data: [DONE]`, Anthropic's message_stop), the
// error event that ends a stream whose upstream failed mid-way, and how to
// stream an answer that was cached as JSON.
#pragma once

#include <optional>
#include <string>

namespace hearth::gateway {

// Anthropic's /v1/messages, else the OpenAI dialect.
bool is_anthropic_path(const std::string& path);

// Did the stream reach its dialect's terminator?
bool stream_complete(const std::string& path, const std::string& sse);

// The events that end a failed stream: OpenAI `data: {"error":{...}}` then
// `data: [DONE]`; Anthropic `event: error`.
std::string stream_error_events(const std::string& path, const std::string& message);

// A complete successful JSON answer (parses, an object, no "error").
bool answer_ok(const std::string& json_body);

// The SSE stream an OpenAI client expects for a chat completion or
// completion answered as JSON (one chunk per choice with its whole text,
// then a chunk with the finish reasons and usage, then [DONE]); nullopt for
// other paths or shapes.
std::optional<std::string> sse_from_json(const std::string& path, const std::string& json_body);

}  // namespace hearth::gateway
