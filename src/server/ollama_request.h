// Request parsing for the Ollama dialect (server/ollama.h): the body of
// /api/generate or /api/chat into the shared GenerationRequest.
#pragma once

#include <cstdint>
#include <optional>

#include "engine/scheduler.h"
#include "server/config.h"
#include "server/json_fields.h"
#include "server/model_service.h"

namespace hearth::server::ollama {

struct OllamaRequest {
  engine::GenerationRequest gen;  // prompt included
  bool stream = true;             // Ollama streams unless told otherwise
  bool load_only = false;         // /api/generate with no prompt: just (re)load the model
};

enum class Endpoint { generate, chat };

// check_model() for Ollama names, which may carry the default tag
// (":latest"): "stories260K:latest" is "stories260K".
void check_tagged_model(const Json& body, const char* key, const ModelService& model);

// Throws a 400 ApiError naming the bad field, 404 for a model not served,
// 400 (code context_length_exceeded) when the prompt + num_predict exceed
// num_ctx or the server's context.
OllamaRequest parse_request(const Json& body, Endpoint ep, const ModelService& model, const Limits& limits);

}  // namespace hearth::server::ollama
