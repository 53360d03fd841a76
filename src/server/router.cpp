#include "server/router.h"

#include <nlohmann/json.hpp>

#include "server/api_error.h"
#include "server/openai.h"
#include "server/static_assets.h"

namespace hearth::server {

const std::string& HttpRequest::header(const std::string& name) const {
  static const std::string empty;
  const auto it = headers.find(name);
  return it == headers.end() ? empty : it->second;
}

Router::Router(ModelService& model, const ServerConfig& config) : config_(config) {
  const Limits& lim = config_.limits;
  routes_ = {
      {"GET", "/health", false,
       [&model](const HttpRequest&) {
         const auto st = model.scheduler().stats();
         HttpReply r;
         r.body = nlohmann::ordered_json{{"status", "ok"},
                                         {"model", model.id()},
                                         {"running", st.running},
                                         {"waiting", st.waiting},
                                         {"cancelled", st.cancelled},
                                         {"kv_cells_used", st.cells_used},
                                         {"kv_cells", model.scheduler().n_ctx()}}
                      .dump();
         return r;
       }},
      {"GET", "/v1/models", true, [&model](const HttpRequest&) { return openai::list_models(model); }},
      {"POST", "/v1/chat/completions", true,
       [&model, &lim](const HttpRequest& r) { return openai::chat_completions(model, lim, r); }},
      {"POST", "/v1/completions", true,
       [&model, &lim](const HttpRequest& r) { return openai::completions(model, lim, r); }},
  };
  // The web UI (no auth: the pages hold no data; their API calls carry the key).
  for (auto& [path, handler] : static_routes()) routes_.push_back({"GET", path, false, std::move(handler)});
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
