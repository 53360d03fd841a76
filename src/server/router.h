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
//               │              dialect handler (openai::*): parse (400),
//               │              tokenize, Scheduler::submit (400 context, 503 queue)
//               ▼
//           HttpReply: complete ─► written, connection kept alive
//                      source   ─► engine thread pushes tokens ─► ready bell
//                                  ─► connection pulls and writes (SSE) or
//                                  buffers to the end (JSON); a client that
//                                  disconnects cancels the sequence
//
// Every handler has the signature HttpReply(const HttpRequest&); every
// exception from one becomes an OpenAI-shaped error reply here.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "server/config.h"
#include "server/http_types.h"
#include "server/model_registry.h"
#include "server/model_service.h"

namespace hearth::server {

class Router {
 public:
  // Registers the OpenAI dialect and /health over the registry's models.
  Router(ModelRegistry& models, const ServerConfig& config);
  // Over one model loaded elsewhere (tests).
  Router(ModelService& model, const ServerConfig& config);

  // Never throws: errors come back as error replies.
  HttpReply handle(const HttpRequest& req) const;

 private:
  struct Route {
    std::string method, path;
    bool needs_auth;
    Handler handler;
  };
  void add_routes(ModelRegistry& models);
  bool authorized(const HttpRequest& req) const;

  const ServerConfig& config_;
  std::unique_ptr<ModelRegistry> owned_;  // the one-model constructor's
  std::vector<Route> routes_;
};

}  // namespace hearth::server
