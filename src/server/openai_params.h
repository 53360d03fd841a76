// Request-body parsing for the OpenAI dialect: JSON in, the engine's
// GenerationRequest (minus the prompt) plus the response options out.
// Every field is type-checked; a bad one is a 400 naming it.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "engine/scheduler.h"
#include "server/config.h"
#include "server/generation_reply.h"
#include "server/model_service.h"

namespace hearth::server::openai {

enum class Endpoint { chat, completion };

struct ResponseOptions {
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
  std::string model_id;
  int64_t n = 1;  // choices: independent sequences (seeded: choice i uses seed + i)
};

struct ParsedRequest {
  Clock::time_point received = Clock::now();
  nlohmann::ordered_json body;
  engine::GenerationRequest gen;
  ResponseOptions opts;
};

// Parses the body (400 for malformed JSON or a bad field, 404 for a model
// that is not served) and fills gen's params; gen.prompt is left empty.
ParsedRequest parse_request(const std::string& body, Endpoint ep, const ModelService& model, const Limits& limits);

}  // namespace hearth::server::openai
