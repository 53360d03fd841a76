#include "server/router.h"

#include <nlohmann/json.hpp>

#include "server/anthropic.h"
#include "server/api_error.h"
#include "server/embeddings.h"
#include "server/ollama.h"
#include "server/openai.h"
#include "server/static_assets.h"
#include "server/tokenize_api.h"

namespace hearth::server {

const std::string& HttpRequest::header(const std::string& name) const {
  static const std::string empty;
  const auto it = headers.find(name);
  return it == headers.end() ? empty : it->second;
}

Router::Router(ModelService& model, const ServerConfig& config) : config_(config) {
  const Limits& lim = config_.limits;
  auto residency = std::make_shared<ModelResidency>();
  const ErrorBody oai = error_body, claude = anthropic::error_body, olm = ollama::error_body;
  routes_ = {
      {"GET", "/health", false, oai,
       [&model](const HttpRequest&) {
         const auto st = model.scheduler().stats();
         HttpReply r;
         r.body = nlohmann::ordered_json{{"status", "ok"},
                                         {"model", model.id()},
                                         {"running", st.running},
                                         {"waiting", st.waiting},
                                         {"cancelled", st.cancelled},
                                         {"kv_cells_used", st.cells_used},
                                         {"kv_cells", model.scheduler().n_ctx()},
                                         {"kv_cells_cached", st.cells_cached},
                                         {"preempted", st.preempted}}
                      .dump();
         return r;
       }},
      // OpenAI (server/openai.h)
      {"GET", "/v1/models", true, oai, [&model](const HttpRequest&) { return openai::list_models(model); }},
      {"POST", "/v1/chat/completions", true, oai,
       [&model, &lim](const HttpRequest& r) { return openai::chat_completions(model, lim, r); }},
      {"POST", "/v1/completions", true, oai,
       [&model, &lim](const HttpRequest& r) { return openai::completions(model, lim, r); }},
      // Anthropic (server/anthropic.h)
      {"POST", "/v1/messages", true, claude,
       [&model, &lim](const HttpRequest& r) { return anthropic::messages(model, lim, r); }},
      {"POST", "/v1/messages/count_tokens", true, claude,
       [&model](const HttpRequest& r) { return anthropic::count_tokens(model, r); }},
      // Ollama (server/ollama.h)
      {"POST", "/api/generate", true, olm,
       [&model, &lim, residency](const HttpRequest& r) { return ollama::generate(model, *residency, lim, r); }},
      {"POST", "/api/chat", true, olm,
       [&model, &lim, residency](const HttpRequest& r) { return ollama::chat(model, *residency, lim, r); }},
      {"GET", "/api/tags", true, olm, [&model](const HttpRequest&) { return ollama::tags(model); }},
      {"POST", "/api/show", true, olm, [&model](const HttpRequest& r) { return ollama::show(model, r); }},
      {"GET", "/api/ps", true, olm, [&model, residency](const HttpRequest&) { return ollama::ps(model, *residency); }},
      {"GET", "/api/version", false, olm, [](const HttpRequest&) { return ollama::version(); }},
      // Embeddings (server/embeddings.h), in the OpenAI and Ollama shapes
      {"POST", "/v1/embeddings", true, oai,
       [&model, &lim](const HttpRequest& r) { return openai_embeddings(model, lim, r); }},
      {"POST", "/api/embed", true, olm, [&model, &lim](const HttpRequest& r) { return ollama_embed(model, lim, r); }},
      // llama-server's token endpoints (server/tokenize_api.h) and Prometheus metrics (server/metrics.h)
      {"POST", "/tokenize", true, oai, [&model](const HttpRequest& r) { return tokenize(model, r); }},
      {"POST", "/detokenize", true, oai, [&model](const HttpRequest& r) { return detokenize(model, r); }},
      {"GET", "/metrics", false, oai,
       [&model, requests = requests_](const HttpRequest&) { return metrics_reply(*requests, {&model}); }},
  };
  // The web UI (no auth: the pages hold no data; their API calls carry the key).
  for (auto& [path, handler] : static_routes()) routes_.push_back({"GET", path, false, oai, std::move(handler)});
}

bool Router::authorized(const HttpRequest& req) const {
  if (config_.api_key.empty()) return true;
  const std::string& bearer = req.header("authorization");
  if (bearer.size() > 7 && bearer.compare(0, 7, "Bearer ") == 0 && bearer.substr(7) == config_.api_key) return true;
  return req.header("x-api-key") == config_.api_key;
}

// The error shape for a path no route claims: by the dialect's prefix.
ErrorBody Router::error_body_for(const std::string& path) const {
  for (const auto& route : routes_) {
    if (route.path == path) return route.error_body;
  }
  if (path.starts_with("/api/")) return ollama::error_body;
  if (path.starts_with("/v1/messages")) return anthropic::error_body;
  return error_body;
}

HttpReply Router::error_reply_for(const std::string& path, const ApiError& e) const {
  return error_reply(e, static_cast<int>(config_.limits.retry_after.count()), error_body_for(path));
}

std::vector<std::string> Router::endpoints() const {
  std::vector<std::string> out;
  for (const auto& route : routes_) out.push_back(route.method + " " + route.path);
  return out;
}

HttpReply Router::handle(const HttpRequest& req) const {
  std::string route_label = "other";  // unknown paths share one label (bounded cardinality)
  try {
    bool path_known = false;
    for (const auto& route : routes_) {
      if (route.path != req.path) continue;
      path_known = true;
      route_label = route.path;
      if (route.method != req.method) continue;
      if (route.needs_auth && !authorized(req)) {
        throw ApiError(401, "invalid_request_error", "Incorrect or missing API key (send Authorization: Bearer KEY or x-api-key: KEY)",
                       {}, "invalid_api_key");
      }
      return counted(requests_, route_label, route.handler(req));
    }
    if (path_known) throw ApiError(405, "invalid_request_error", req.method + " is not allowed on " + req.path);
    throw ApiError(404, "invalid_request_error", "no such endpoint: " + req.method + " " + req.path, {}, "not_found");
  } catch (const std::exception& e) {
    return counted(requests_, route_label, error_reply_for(req.path, to_api_error(e)));
  }
}

}  // namespace hearth::server
