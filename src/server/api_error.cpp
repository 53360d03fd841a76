#include "server/api_error.h"

#include <nlohmann/json.hpp>

#include "engine/scheduler.h"

namespace hearth::server {

std::string json_text(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

HttpReply json_reply(const nlohmann::ordered_json& j) {
  HttpReply r;
  r.body = json_text(j);
  return r;
}

ApiError bad_request(const std::string& message, const std::string& param) {
  return ApiError(400, "invalid_request_error", message, param);
}

std::string error_body(const ApiError& e) {
  nlohmann::ordered_json j;
  j["error"]["message"] = e.what();
  j["error"]["type"] = e.type();
  j["error"]["param"] = e.param().empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(e.param());
  j["error"]["code"] = e.code().empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(e.code());
  return json_text(j);
}

HttpReply error_reply(const ApiError& e, int retry_after_s, ErrorBody body) {
  HttpReply r;
  r.status = e.status();
  r.body = body(e);
  if (e.status() == 503) r.headers.emplace_back("Retry-After", std::to_string(retry_after_s));
  return r;
}

ApiError to_api_error(const std::exception& e) {
  if (const auto* api = dynamic_cast<const ApiError*>(&e)) return *api;
  if (dynamic_cast<const ContextFullError*>(&e)) {
    return ApiError(400, "invalid_request_error", e.what(), "messages", "context_length_exceeded");
  }
  if (dynamic_cast<const engine::QueueFullError*>(&e)) {
    return ApiError(503, "server_error", e.what(), {}, "queue_full");
  }
  if (dynamic_cast<const Error*>(&e)) return ApiError(400, "invalid_request_error", e.what());
  return ApiError(500, "server_error", std::string("internal error: ") + e.what());
}

}  // namespace hearth::server
