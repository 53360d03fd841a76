// Request flow (one HTTP connection, on the server's I/O thread):
//
//   socket ─► HttpServer: read request (limits: header 431, body 413, read timeout)
//               │
//               ▼
//           Router::handle ─► auth (401) ─► route by method + path (404 / 405)
//               │                              │
//               │                              ▼
//               │              model_route: the request's model from the
//               │              registry (404; not loaded: loaded on the
//               │              registry's thread, reply deferred; 503/507)
//               │                              ▼
//               │              dialect handler (openai::*, anthropic::*, ollama::*):
//               │              parse into the shared GenerationRequest (400),
//               │              tokenize, generation_reply: Scheduler::submit
//               │              (400 context, 503 queue)
//               │              (embeddings: one embed request per input, same scheduler)
//               ▼
//           HttpReply: complete ─► written, connection kept alive
//                      source   ─► engine thread pushes tokens ─► ready bell
//                                  ─► connection pulls (the dialect's Renderer
//                                  formats) and writes (SSE / NDJSON) or
//                                  buffers to the end (JSON); a client that
//                                  disconnects cancels the sequence
//
// Every handler has the signature HttpReply(const HttpRequest&); every
// exception from one becomes an error reply here, in the shape of the
// route's dialect (OpenAI, Anthropic or Ollama; by path prefix for an
// unknown path).
//
// Adding a dialect: a header declaring its handlers and its error_body, a
// Renderer (server/generation_reply.h) for its replies, request parsing with
// server/json_fields.h onto engine::GenerationRequest, its routes below.
// Every reply is counted by route and final status (server/metrics.h).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "server/api_error.h"
#include "server/config.h"
#include "server/http_types.h"
#include "server/metrics.h"
#include "server/model_registry.h"
#include "server/model_service.h"

namespace hearth::server {

class Router {
 public:
  // Registers the OpenAI, Anthropic and Ollama dialects, embeddings (OpenAI
  // and Ollama shapes), /tokenize, /detokenize, /metrics and /health over
  // the registry's models, the /tools API (server/tools_api.h), and the web
  // UI (server/static_assets.h). Every
  // reply is counted by route and final status for /metrics.
  Router(ModelRegistry& models, const ServerConfig& config);
  // Over one model loaded elsewhere (tests).
  Router(ModelService& model, const ServerConfig& config);

  // Never throws: errors come back as error replies.
  HttpReply handle(const HttpRequest& req) const;

  // The reply for an error on `path`, in the shape of the path's dialect
  // (for requests the HTTP layer refuses before routing: 413, 431, 400).
  HttpReply error_reply_for(const std::string& path, const ApiError& e) const;

  // "METHOD /path" of every registered route, in registration order.
  std::vector<std::string> endpoints() const;

 private:
  struct Route {
    std::string method, path;
    bool needs_auth;
    ErrorBody error_body;
    Handler handler;
  };
  void add_routes(ModelRegistry& models);
  bool authorized(const HttpRequest& req) const;
  ErrorBody error_body_for(const std::string& path) const;

  const ServerConfig& config_;
  std::unique_ptr<ModelRegistry> owned_;  // the one-model constructor's
  std::vector<Route> routes_;
  std::shared_ptr<RequestCounter> requests_ = std::make_shared<RequestCounter>();  // for /metrics
};

}  // namespace hearth::server
