// hearth serve MODEL: an OpenAI-compatible HTTP endpoint (with the Anthropic
// and Ollama dialects beside it) for many clients at
// once (continuous batching over one shared KV store; see engine/scheduler.h
// and server/router.h for the request flow).
//
//   - Binding a non-loopback address needs --api-key or an explicit
//     --no-auth; keys are accepted as "Authorization: Bearer K" or "x-api-key: K".
//   - --ctx is the KV cells shared by all sequences (default: the model's
//     trained length capped by memory); --parallel how many decode together.
#include <cstdio>
#include <memory>
#include <string>

#include <boost/asio/ip/address.hpp>

#include "cli/commands.h"
#include "core/error.h"
#include "server/http_server.h"
#include "server/model_service.h"
#include "server/router.h"

namespace hearth::cli {

namespace {

struct ServeOptions {
  std::string model;
  server::ServerConfig server;
  int64_t ctx = 0;
  int parallel = 8;
  size_t queue = 64;
  int threads = 0;
  bool no_auth = false;
};

bool is_loopback(const std::string& host) {
  boost::system::error_code ec;
  const auto addr = boost::asio::ip::make_address(host, ec);
  return !ec && addr.is_loopback();
}

int serve(ServeOptions& o) {
  if (!is_loopback(o.server.host) && o.server.api_key.empty() && !o.no_auth) {
    throw Error("--host " + o.server.host +
                " is reachable from other machines: pass --api-key KEY (or --no-auth to serve without a key)");
  }
  if (o.no_auth && !o.server.api_key.empty()) throw Error("--no-auth and --api-key contradict each other");
  // The server is created first and destroyed last: the scheduler rings the
  // server's I/O loop until it stops.
  server::HttpServer http(o.server);
  engine::SchedulerConfig sc;
  sc.n_ctx = o.ctx;
  sc.max_running = o.parallel;
  sc.max_waiting = o.queue;
  server::ModelService model(o.model, sc, o.threads);
  server::Router router(model, o.server);
  std::fprintf(stderr, "hearth: serving %s on http://%s:%u (%s)\n", model.id().c_str(), o.server.host.c_str(),
               static_cast<unsigned>(http.port()), o.server.api_key.empty() ? "no API key" : "API key required");
  http.run([&router](const server::HttpRequest& r) { return router.handle(r); },
           [&router](const std::string& path, const server::ApiError& e) { return router.error_reply_for(path, e); });
  std::fprintf(stderr, "hearth: stopped\n");
  return 0;
}

}  // namespace

void register_serve(CLI::App& app, Handler& handler) {
  auto o = std::make_shared<ServeOptions>();
  auto* cmd = app.add_subcommand("serve", "Serve a model over OpenAI-, Anthropic- and Ollama-compatible HTTP APIs");
  cmd->add_option("model", o->model, "GGUF model file")->required();
  cmd->add_option("--host", o->server.host, "Address to listen on (non-loopback needs --api-key or --no-auth)");
  cmd->add_option("--port", o->server.port, "Port (0: any free port, logged)");
  cmd->add_option("--ctx,-c", o->ctx, "KV cells shared by all requests (default: trained length capped by memory)")
      ->check(CLI::Range(int64_t{16}, int64_t{1} << 24));
  cmd->add_option("--parallel", o->parallel, "Sequences decoded together")->check(CLI::Range(1, 256));
  cmd->add_option("--queue", o->queue, "Requests that may wait; beyond it: 503 with Retry-After");
  cmd->add_option("--max-connections", o->server.limits.max_connections,
                  "Open client connections; beyond it: 503 with Retry-After, then close")
      ->check(CLI::Range(size_t{1}, size_t{1} << 20));
  cmd->add_option("--api-key", o->server.api_key, "Require this key (Authorization: Bearer KEY or x-api-key)");
  cmd->add_flag("--no-auth", o->no_auth, "Serve a non-loopback address without a key");
  cmd->add_option("--threads,-t", o->threads, "Threads (default: all cores)");
  cmd->callback([o, &handler] { handler = [o] { return serve(*o); }; });
}

}  // namespace hearth::cli
