#include "server/router.h"

#include <nlohmann/json.hpp>

#include "server/anthropic.h"
#include "server/api_error.h"
#include "server/embeddings.h"
#include "server/model_route.h"
#include "server/ollama.h"
#include "server/openai.h"
#include "server/static_assets.h"
#include "server/tokenize_api.h"
#include "server/tools_api.h"

namespace hearth::server {

const std::string& HttpRequest::header(const std::string& name) const {
  static const std::string empty;
  const auto it = headers.find(name);
  return it == headers.end() ? empty : it->second;
}

namespace {

// /health: the server is up; each loaded model's queue and KV use, and the
// sums over all of them (the single-model fields of old).
HttpReply health(const ModelRegistry& models) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  engine::Scheduler::Stats sum;
  int64_t cells = 0;
  for (const auto& m : models.loaded()) {
    sum.running += m.stats.running;
    sum.waiting += m.stats.waiting;
    sum.cancelled += m.stats.cancelled;
    sum.cells_used += m.stats.cells_used;
    sum.cells_cached += m.stats.cells_cached;
    sum.preempted += m.stats.preempted;
    cells += m.n_ctx;
    list.push_back({{"id", m.name},
                    {"requests", m.leases},
                    {"running", m.stats.running},
                    {"waiting", m.stats.waiting},
                    {"kv_cells_used", m.stats.cells_used},
                    {"kv_cells_cached", m.stats.cells_cached},
                    {"kv_cells", m.n_ctx},
                    {"preempted", m.stats.preempted},
                    {"bytes", m.bytes},
                    {"expires_in_s", m.expires_in_s ? nlohmann::ordered_json(*m.expires_in_s) : nlohmann::ordered_json()}});
  }
  HttpReply r;
  r.body = nlohmann::ordered_json{{"status", "ok"},
                                  {"models", list},
                                  {"running", sum.running},
                                  {"waiting", sum.waiting},
                                  {"cancelled", sum.cancelled},
                                  {"kv_cells_used", sum.cells_used},
                                  {"kv_cells_cached", sum.cells_cached},
                                  {"kv_cells", cells},
                                  {"preempted", sum.preempted},
                                  {"memory_used", models.memory_used()}}
               .dump();
  return r;
}

}  // namespace

Router::Router(ModelService& model, const ServerConfig& config)
    : config_(config), owned_(std::make_unique<ModelRegistry>(model)) {
  add_routes(*owned_);
}

Router::Router(ModelRegistry& models, const ServerConfig& config) : config_(config) { add_routes(models); }

void Router::add_routes(ModelRegistry& models) {
  const Limits& lim = config_.limits;
  const int retry = static_cast<int>(lim.retry_after.count());
  const ErrorBody oai = error_body, claude = anthropic::error_body, olm = ollama::error_body;
  // A route over the model the request names, with the dialect's error shape.
  const auto over = [&models, retry](ModelPicker pick, ErrorBody body, ModelHandler fn) {
    return model_route(models, std::move(pick), std::move(fn), retry, body);
  };
  const ModelPicker named = model_field;
  const ModelPicker named_or_only = [&models](const HttpRequest& r) { return model_field_or_only(r, models); };
  routes_ = {
      {"GET", "/health", false, oai, [&models](const HttpRequest&) { return health(models); }},
      // OpenAI (server/openai.h)
      {"GET", "/v1/models", true, oai, [&models](const HttpRequest&) { return openai::list_models(models.available()); }},
      {"POST", "/v1/chat/completions", true, oai,
       over(named, oai, [&lim](ModelService& m, const HttpRequest& r) { return openai::chat_completions(m, lim, r); })},
      {"POST", "/v1/completions", true, oai,
       over(named, oai, [&lim](ModelService& m, const HttpRequest& r) { return openai::completions(m, lim, r); })},
      // Anthropic (server/anthropic.h)
      {"POST", "/v1/messages", true, claude,
       over(named, claude, [&lim](ModelService& m, const HttpRequest& r) { return anthropic::messages(m, lim, r); })},
      {"POST", "/v1/messages/count_tokens", true, claude,
       over(named, claude, [](ModelService& m, const HttpRequest& r) { return anthropic::count_tokens(m, r); })},
      // Ollama (server/ollama.h): names may carry ":latest"; keep_alive goes to the registry
      {"POST", "/api/generate", true, olm,
       over(ollama::model_choice, olm, [&lim](ModelService& m, const HttpRequest& r) { return ollama::generate(m, lim, r); })},
      {"POST", "/api/chat", true, olm,
       over(ollama::model_choice, olm, [&lim](ModelService& m, const HttpRequest& r) { return ollama::chat(m, lim, r); })},
      {"GET", "/api/tags", true, olm, [&models](const HttpRequest&) { return ollama::tags(models.available()); }},
      {"POST", "/api/show", true, olm,
       over(ollama::model_choice, olm, [](ModelService& m, const HttpRequest& r) { return ollama::show(m, r); })},
      {"GET", "/api/ps", true, olm, [&models](const HttpRequest&) { return ollama::ps(models); }},
      {"GET", "/api/version", false, olm, [](const HttpRequest&) { return ollama::version(); }},
      // Embeddings (server/embeddings.h), in the OpenAI and Ollama shapes
      {"POST", "/v1/embeddings", true, oai,
       over(named, oai, [&lim](ModelService& m, const HttpRequest& r) { return openai_embeddings(m, lim, r); })},
      {"POST", "/api/embed", true, olm,
       over(ollama::model_choice, olm, [&lim](ModelService& m, const HttpRequest& r) { return ollama_embed(m, lim, r); })},
      // llama-server's token endpoints (server/tokenize_api.h; "model" optional
      // when one model is served) and Prometheus metrics (server/metrics.h)
      {"POST", "/tokenize", true, oai, over(named_or_only, oai, [](ModelService& m, const HttpRequest& r) { return tokenize(m, r); })},
      {"POST", "/detokenize", true, oai,
       over(named_or_only, oai, [](ModelService& m, const HttpRequest& r) { return detokenize(m, r); })},
      {"GET", "/metrics", false, oai, [&models, requests = requests_](const HttpRequest&) {
         HttpReply reply;
         models.with_loaded([&](const std::vector<const ModelService*>& loaded) { reply = metrics_reply(*requests, loaded); });
         return reply;
       }},
      // The /tools pages' API (server/tools_api.h): hearth plan, fit, cost and tokens as JSON
      {"GET", "/tools/api/options", true, oai, [&models](const HttpRequest&) { return tools_options(models.available()); }},
      {"POST", "/tools/api/plan", true, oai, [&models](const HttpRequest& r) { return tools_plan(r, models.available()); }},
      {"POST", "/tools/api/fit", true, oai, [](const HttpRequest& r) { return tools_fit(r); }},
      {"POST", "/tools/api/cost", true, oai, [&models](const HttpRequest& r) { return tools_cost(r, models.available()); }},
      {"POST", "/tools/api/tokens", true, oai,
       over(named_or_only, oai, [](ModelService& m, const HttpRequest& r) { return tools_tokens(m, r); })},
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
