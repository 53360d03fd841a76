// The Anthropic dialect: POST /v1/messages and /v1/messages/count_tokens.
//
// A Messages request maps onto the shared request model: `system` (a string
// or text blocks) becomes a leading system message, `messages` (user /
// assistant, content as a string or text blocks) the chat, then the
// model's chat template makes the prompt (server/model_service.h). Sampling:
// temperature (0..1, default 1), top_p, top_k; no min-p or penalties;
// max_tokens is required; stop_sequences are stop strings.
//
// Replies: one Message object, or with stream=true the documented SSE
// sequence
//   message_start, content_block_start, ping, content_block_delta (text_delta)...,
//   content_block_stop, message_delta (stop_reason, stop_sequence, usage), message_stop
// stop_reason: "end_turn" (the model ended), "max_tokens", "stop_sequence".
// Errors: {"type":"error","error":{"type":"invalid_request_error",...}} with
// Anthropic's types per status (400 invalid_request_error, 401
// authentication_error, 404 not_found_error, 413 request_too_large, 429
// rate_limit_error, 500 api_error, 503 overloaded_error).
// Unsupported (400): tools, images and other non-text blocks.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "server/api_error.h"
#include "server/config.h"
#include "server/http_types.h"
#include "server/model_service.h"

namespace hearth::server::anthropic {

struct MessagesRequest {
  engine::GenerationRequest gen;  // prompt included
  bool stream = false;
};

// The body of /v1/messages (already parsed JSON) into a request. Throws a
// 400 ApiError naming the bad field, 404 for a model that is not served.
MessagesRequest parse_messages(const nlohmann::ordered_json& b, const ModelService& model, const Limits& limits);

HttpReply messages(ModelService& model, const Limits& limits, const HttpRequest& req);
HttpReply count_tokens(ModelService& model, const HttpRequest& req);

// The error body in Anthropic's shape.
std::string error_body(const ApiError& e);

}  // namespace hearth::server::anthropic
