#include "server/router.h"

#include <nlohmann/json.hpp>

#include "server/api_error.h"
#include "server/model_route.h"
#include "server/openai.h"

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
    cells += m.n_ctx;
    list.push_back({{"id", m.name},
                    {"requests", m.leases},
                    {"running", m.stats.running},
                    {"waiting", m.stats.waiting},
                    {"kv_cells_used", m.stats.cells_used},
                    {"kv_cells", m.n_ctx},
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
                                  {"kv_cells", cells},
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
  routes_ = {
      {"GET", "/health", false, [&models](const HttpRequest&) { return health(models); }},
      {"GET", "/v1/models", true, [&models](const HttpRequest&) { return openai::list_models(models.available()); }},
      {"POST", "/v1/chat/completions", true,
       model_route(models, model_field,
                   [&lim](ModelService& m, const HttpRequest& r) { return openai::chat_completions(m, lim, r); }, retry)},
      {"POST", "/v1/completions", true,
       model_route(models, model_field,
                   [&lim](ModelService& m, const HttpRequest& r) { return openai::completions(m, lim, r); }, retry)},
  };
}

bool Router::authorized(const HttpRequest& req) const {
  if (config_.api_key.empty()) return true;
  const std::string& bearer = req.header("authorization");
  if (bearer.size() > 7 && bearer.compare(0, 7, "Bearer ") == 0 && bearer.substr(7) == config_.api_key) return true;
  return req.header("x-api-key") == config_.api_key;
}

HttpReply Router::handle(const HttpRequest& req) const {
  const int retry = static_cast<int>(config_.limits.retry_after.count());
  try {
    bool path_known = false;
    for (const auto& route : routes_) {
      if (route.path != req.path) continue;
      path_known = true;
      if (route.method != req.method) continue;
      if (route.needs_auth && !authorized(req)) {
        throw ApiError(401, "invalid_request_error", "Incorrect or missing API key (send Authorization: Bearer KEY or x-api-key: KEY)",
                       {}, "invalid_api_key");
      }
      return route.handler(req);
    }
    if (path_known) throw ApiError(405, "invalid_request_error", req.method + " is not allowed on " + req.path);
    throw ApiError(404, "invalid_request_error", "no such endpoint: " + req.method + " " + req.path, {}, "not_found");
  } catch (const std::exception& e) {
    return error_reply(to_api_error(e), retry);
  }
}

}  // namespace hearth::server
