// hearth serve [MODEL...] [--models-dir D]: an OpenAI-compatible HTTP
// endpoint (with the Anthropic and Ollama dialects beside it) for many
// clients at once (continuous batching over one shared KV store per model;
// see engine/scheduler.h and server/router.h for the request flow) and for
// many models (server/model_registry.h: loaded on first use by name,
// unloaded when idle, under memory pressure or past --max-models).
//
//   - Binding a non-loopback address needs --api-key or an explicit
//     --no-auth; keys are accepted as "Authorization: Bearer K" or "x-api-key: K".
//   - --ctx is the KV cells shared by all sequences of a model (default: its
//     trained length capped by the memory free when it loads); NAME=N for
//     one model. --parallel: how many decode together. --kv-type: f16, q8_0
//     or f32 cells (the registry sizes contexts with it).
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "cli/commands.h"
#include "core/error.h"
#include "gguf/tensor_type.h"
#include "server/http_server.h"
#include "server/model_registry.h"
#include "server/router.h"

namespace hearth::cli {

namespace {

struct ServeOptions {
  std::vector<std::string> models;
  std::string models_dir;
  server::ServerConfig server;
  std::vector<std::string> ctx;
  int parallel = 8;
  size_t queue = 64;
  int threads = 0;
  size_t max_models = 3;
  std::string keep_alive = "5m";
  std::string kv_type = "f16";
  uint64_t memory_mib = 0;
  bool no_auth = false;
};

bool is_loopback(const std::string& host) {
  boost::system::error_code ec;
  const auto addr = boost::asio::ip::make_address(host, ec);
  return !ec && addr.is_loopback();
}

// --ctx N (every model) or --ctx NAME=N (one model).
void parse_ctx(const std::vector<std::string>& args, server::RegistryConfig& rc) {
  for (const auto& a : args) {
    const size_t eq = a.rfind('=');
    const std::string num = eq == std::string::npos ? a : a.substr(eq + 1);
    int64_t n = 0;
    try {
      size_t used = 0;
      n = std::stoll(num, &used);
      if (used != num.size()) throw std::invalid_argument(a);
    } catch (const std::exception&) {
      throw Error("--ctx " + a + ": give N or MODEL=N (N tokens)");
    }
    if (n < 16 || n > (int64_t{1} << 24)) throw Error("--ctx " + a + ": N must be between 16 and 16777216");
    if (eq == std::string::npos) {
      rc.ctx = n;
    } else {
      rc.model_ctx[a.substr(0, eq)] = n;
    }
  }
}

// The KV cache types the engine holds (model/kv_store.h); q4_0 is planned
// (`hearth plan --kv-type q4_0`) but not yet stored.
TensorType kv_type_or_throw(const std::string& name) {
  const auto t = tensor_type_from_name(name);
  if (!t || (*t != TensorType::F16 && *t != TensorType::Q8_0 && *t != TensorType::F32)) {
    throw Error("--kv-type " + name + ": the KV cache holds f16, q8_0 or f32 (q8_0 halves its memory)");
  }
  return *t;
}

int serve(ServeOptions& o) {
  if (!is_loopback(o.server.host) && o.server.api_key.empty() && !o.no_auth) {
    throw Error("--host " + o.server.host +
                " is reachable from other machines: pass --api-key KEY (or --no-auth to serve without a key)");
  }
  if (o.no_auth && !o.server.api_key.empty()) throw Error("--no-auth and --api-key contradict each other");
  if (o.models.empty() && o.models_dir.empty()) throw Error("name a model file or a --models-dir to serve");
  server::RegistryConfig rc;
  rc.models = o.models;
  rc.models_dir = o.models_dir;
  parse_ctx(o.ctx, rc);
  rc.scheduler.max_running = o.parallel;
  rc.scheduler.kv_type = kv_type_or_throw(o.kv_type);
  rc.scheduler.max_waiting = o.queue;
  rc.threads = o.threads;
  rc.max_loaded = o.max_models;
  rc.keep_alive = server::parse_keep_alive(o.keep_alive);
  rc.memory_budget = o.memory_mib << 20;
  // The server is created first and destroyed last: the schedulers ring
  // the server's I/O loop until they stop.
  server::HttpServer http(o.server);
  server::ModelRegistry models(rc);
  server::Router router(models, o.server);
  std::string names;
  for (const auto& m : models.available()) names += (names.empty() ? "" : ", ") + m.name;
  std::fprintf(stderr, "hearth: serving %s on http://%s:%u (%s)\n", names.c_str(), o.server.host.c_str(),
               static_cast<unsigned>(http.port()), o.server.api_key.empty() ? "no API key" : "API key required");
  http.run([&router](const server::HttpRequest& r) { return router.handle(r); },
           [&router](const std::string& path, const server::ApiError& e) { return router.error_reply_for(path, e); });
  std::fprintf(stderr, "hearth: stopped\n");
  return 0;
}

}  // namespace

void register_serve(CLI::App& app, Handler& handler) {
  auto o = std::make_shared<ServeOptions>();
  auto* cmd = app.add_subcommand("serve", "Serve models over OpenAI-, Anthropic- and Ollama-compatible HTTP APIs");
  cmd->add_option("model", o->models, "GGUF model files (loaded at start; name: the file stem)");
  cmd->add_option("--models-dir", o->models_dir, "Serve every *.gguf in this directory, loaded on first use");
  cmd->add_option("--host", o->server.host, "Address to listen on (non-loopback needs --api-key or --no-auth)");
  cmd->add_option("--port", o->server.port, "Port (0: any free port, logged)");
  cmd->add_option("--ctx,-c", o->ctx,
                  "KV cells shared by a model's requests: N for every model or MODEL=N for one "
                  "(default: trained length capped by memory)")
      ->allow_extra_args(false);  // one value per --ctx: the model files stay positional
  cmd->add_option("--max-models", o->max_models, "Models loaded at once; the least recently used idle one makes room")
      ->check(CLI::Range(size_t{1}, size_t{64}));
  cmd->add_option("--keep-alive", o->keep_alive,
                  "How long an idle model stays loaded: seconds or 30s/5m/1h; 0 unloads at once, -1 never");
  cmd->add_option("--memory", o->memory_mib, "MiB all loaded models may take (default: 90% of what is free at start)");
  cmd->add_option("--kv-type", o->kv_type, "KV cache type: f16, q8_0 (half the memory; head sizes multiple of 32) or f32")
      ->capture_default_str();
  cmd->add_option("--parallel", o->parallel, "Sequences decoded together")->check(CLI::Range(1, 256));
  cmd->add_option("--queue", o->queue, "Requests that may wait; beyond it: 503 with Retry-After");
  cmd->add_option("--max-connections", o->server.limits.max_connections,
                  "Open client connections; beyond it: 503 with Retry-After, then close")
      ->check(CLI::Range(size_t{1}, size_t{1} << 20));
  cmd->add_option("--api-key", o->server.api_key, "Require this key (Authorization: Bearer KEY or x-api-key)");
  cmd->add_flag("--no-auth", o->no_auth, "Serve a non-loopback address without a key");
  cmd->add_option("--threads,-t", o->threads, "Threads per model (default: all cores)");
  cmd->callback([o, &handler] { handler = [o] { return serve(*o); }; });
}

}  // namespace hearth::cli
