// The Ollama dialect: /api/generate, /api/chat, /api/tags, /api/show,
// /api/ps, /api/version.
//
// generate and chat map onto the shared request model (server/
// generation_reply.h) and stream by default (stream: true), one JSON object
// per line (application/x-ndjson); the last has done: true, done_reason
// ("stop" or "length"), the counts (prompt_eval_count, eval_count: exact
// token counts) and the durations in nanoseconds (total, load: 0 since the
// model is loaded at start-up, prompt_eval: arrival to first token, eval:
// first token to the end).
//
// options (anything else is a 400 naming it): temperature, top_k, top_p,
// min_p, seed, num_predict, stop, repeat_penalty, repeat_last_n,
// presence_penalty, frequency_penalty, num_ctx — with Ollama's defaults
// (0.8, 40, 0.9, 0, random, -1, none, 1.1, 64, 0, 0). num_ctx bounds the
// request: a prompt + num_predict over it (or over the server's context)
// is a 400 giving both numbers, never a silent truncation.
// keep_alive (server/keep_alive.h) goes to the model registry with the
// request's lease (model_choice); /api/ps reports when each loaded model is
// due to unload.
// format: "json" gives one JSON object (JSON mode); a schema is a 400.
// Unsupported (400): images, tools, suffix, template, context.
// Model names may carry the default tag (":latest").
// Errors: {"error": "message"} with the HTTP status.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "server/api_error.h"
#include "server/config.h"
#include "server/http_types.h"
#include "server/keep_alive.h"
#include "server/model_registry.h"
#include "server/model_route.h"
#include "server/model_service.h"

namespace hearth::server::ollama {

HttpReply generate(ModelService& model, const Limits& limits, const HttpRequest& req);
HttpReply chat(ModelService& model, const Limits& limits, const HttpRequest& req);

HttpReply tags(const std::vector<ModelFile>& files);
HttpReply show(const ModelService& model, const HttpRequest& req);
HttpReply ps(ModelRegistry& models);

// The model a request names ("model", or the older "name"), without the
// default tag ":latest", and its keep_alive: what the registry leases.
ModelChoice model_choice(const HttpRequest& req);
inline constexpr std::string_view kDefaultTag = ":latest";

// `name` without the default tag: "stories260K:latest" -> "stories260K";
// other tags are kept.
inline std::string without_default_tag(std::string name) {
  if (name.ends_with(kDefaultTag)) name.resize(name.size() - kDefaultTag.size());
  return name;
}
HttpReply version();

// The error body in Ollama's shape.
std::string error_body(const ApiError& e);

// RFC 3339 UTC time with nanoseconds, as Ollama writes times.
std::string rfc3339(std::chrono::system_clock::time_point t);

}  // namespace hearth::server::ollama
