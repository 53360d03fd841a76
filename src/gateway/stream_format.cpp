#include "gateway/stream_format.h"

#include <nlohmann/json.hpp>

namespace hearth::gateway {

using Json = nlohmann::json;

bool is_anthropic_path(const std::string& path) { return path == "/v1/messages"; }

bool stream_complete(const std::string& path, const std::string& sse) {
  if (is_anthropic_path(path)) return sse.find("event: message_stop") != std::string::npos;
  return sse.find("data: [DONE]") != std::string::npos;
}

std::string stream_error_events(const std::string& path, const std::string& message) {
  if (is_anthropic_path(path)) {
    const Json e = {{"type", "error"}, {"error", {{"type", "api_error"}, {"message", message}}}};
    return "event: error\ndata: " + e.dump() + "\n\n";
  }
  const Json e = {{"error", {{"message", message}, {"type", "upstream_error"}, {"code", "upstream_failed"}}}};
  return "data: " + e.dump() + "\n\ndata: [DONE]\n\n";
}

bool answer_ok(const std::string& json_body) {
  const Json j = Json::parse(json_body, nullptr, false);
  return j.is_object() && !j.contains("error");
}

std::optional<std::string> sse_from_json(const std::string& path, const std::string& json_body) {
  const bool chat = path == "/v1/chat/completions";
  if (!chat && path != "/v1/completions") return std::nullopt;
  const Json j = Json::parse(json_body, nullptr, false);
  if (!j.is_object() || !j.contains("choices") || !j["choices"].is_array()) return std::nullopt;
  const std::string object = chat ? "chat.completion.chunk" : "text_completion";
  auto chunk = [&](Json choices) {
    Json c = {{"id", j.value("id", "")}, {"object", object}, {"created", j.value("created", 0)},
              {"model", j.value("model", "")}, {"choices", std::move(choices)}};
    return "data: " + c.dump() + "\n\n";
  };
  std::string out;
  Json finals = Json::array();
  for (const auto& ch : j["choices"]) {
    const Json index = ch.value("index", 0);
    Json first;
    if (chat) {
      const Json msg = ch.value("message", Json::object());
      Json delta = {{"role", msg.value("role", "assistant")}, {"content", msg.value("content", "")}};
      if (msg.contains("tool_calls")) delta["tool_calls"] = msg["tool_calls"];
      first = {{"index", index}, {"delta", delta}, {"finish_reason", nullptr}};
      finals.push_back({{"index", index}, {"delta", Json::object()}, {"finish_reason", ch.value("finish_reason", Json())}});
    } else {
      first = {{"index", index}, {"text", ch.value("text", "")}, {"finish_reason", nullptr}};
      finals.push_back({{"index", index}, {"text", ""}, {"finish_reason", ch.value("finish_reason", Json())}});
    }
    out += chunk(Json::array({first}));
  }
  out += chunk(finals);
  if (j.contains("usage")) {
    Json u = {{"id", j.value("id", "")}, {"object", object}, {"created", j.value("created", 0)},
              {"model", j.value("model", "")}, {"choices", Json::array()}, {"usage", j["usage"]}};
    out += "data: " + u.dump() + "\n\n";
  }
  return out + "data: [DONE]\n\n";
}

}  // namespace hearth::gateway
