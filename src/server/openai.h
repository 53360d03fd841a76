// The OpenAI dialect: /v1/chat/completions, /v1/completions, /v1/models.
//
// A request body is parsed into one engine::GenerationRequest (the request
// model every dialect maps onto), submitted to the model's scheduler, and
// the token stream is rendered back as OpenAI JSON: one object at the end,
// or SSE chunks `data: {...}\n\n` ... `data: [DONE]\n\n` when stream=true.
//
// Defaults are OpenAI's (temperature 1, top_p 1, no top-k/min-p, penalties
// over the generated tokens only). n > 1 (up to Limits::max_choices): n
// independent sequences, choice i seeded with seed + i when a seed is given;
// usage counts the prompt once and sums the completions; the n sequences'
// reservations together must fit the context. Unsupported: tools,
// response_format other than text (400).
#pragma once

#include <vector>

#include "server/config.h"
#include "server/http_types.h"
#include "server/model_files.h"
#include "server/model_service.h"

namespace hearth::server::openai {

HttpReply chat_completions(ModelService& model, const Limits& limits, const HttpRequest& req);
HttpReply completions(ModelService& model, const Limits& limits, const HttpRequest& req);
// Every model that can be loaded, loaded or not.
HttpReply list_models(const std::vector<ModelFile>& models);

}  // namespace hearth::server::openai
