#include "server/anthropic.h"

#include <memory>

#include "server/api_error.h"
#include "server/chat_content.h"
#include "server/generation_reply.h"
#include "server/json_fields.h"

namespace hearth::server::anthropic {

namespace {

// system + messages as the chat template takes them (roles checked,
// content reduced to text).
Json chat_messages(const Json& b) {
  const Fields f(b);
  if (!f.has("messages")) throw bad_request("messages is required", "messages");
  const Json& in = f.at("messages");
  if (!in.is_array() || in.empty()) throw bad_request("messages must be a non-empty array", "messages");
  Json out = Json::array();
  if (f.has("system")) out.push_back({{"role", "system"}, {"content", content_text(f.at("system"), "system", "system")}});
  for (size_t i = 0; i < in.size(); ++i) {
    const std::string where = "messages[" + std::to_string(i) + "]";
    const Json& m = in[i];
    if (!m.is_object()) throw bad_request(where + " must be an object", "messages");
    const auto role = Fields(m, where + ".").string("role");
    if (role != "user" && role != "assistant") {
      throw bad_request(where + ".role must be \"user\" or \"assistant\"", "messages");
    }
    if (!m.contains("content")) throw bad_request(where + ".content is required", "messages");
    out.push_back({{"role", *role}, {"content", content_text(m["content"], where + ".content", "messages")}});
  }
  return out;
}

void reject_unsupported(const Fields& f) {
  for (const char* key : {"tools", "tool_choice", "thinking"}) {
    if (f.has(key)) throw bad_request(std::string(key) + " is not supported yet", key);
  }
}

}  // namespace

MessagesRequest parse_messages(const Json& b, const ModelService& model, const Limits& limits) {
  const Fields f(b);
  check_model(b, "model", model, /*required=*/true);
  reject_unsupported(f);
  MessagesRequest r;
  const auto max_tokens = f.integer("max_tokens", 1);
  if (!max_tokens) throw bad_request("max_tokens is required", "max_tokens");
  r.gen.max_tokens = *max_tokens;
  auto& sp = r.gen.sampling;
  sp.temperature = static_cast<float>(f.number("temperature", 0.0, 1.0).value_or(1.0));
  sp.top_p = nucleus_top_p(f.number("top_p", 0.0, 1.0).value_or(1.0));
  sp.top_k = static_cast<int32_t>(f.integer("top_k", 0, INT32_MAX).value_or(0));
  sp.min_p = 0.0f;
  sp.repeat_last_n = 0;  // no penalties in this API
  r.gen.stops = f.stops("stop_sequences", limits, /*array_only=*/true);
  r.stream = f.boolean("stream").value_or(false);
  r.gen.prompt = model.chat_prompt(chat_messages(b));
  return r;
}

namespace {

// "event: NAME\ndata: JSON\n\n"
void event(std::string& out, const char* name, const Json& data) {
  out += "event: ";
  out += name;
  out += "\ndata: " + json_text(data) + "\n\n";
}

const char* stop_reason(const Outcome& o) {
  if (o.finish == engine::FinishReason::length) return "max_tokens";
  return o.stop_string ? "stop_sequence" : "end_turn";
}

Json stop_sequence(const Outcome& o) { return o.stop_string ? Json(*o.stop_string) : Json(nullptr); }

class MessageRenderer : public Renderer {
 public:
  MessageRenderer(bool stream, std::string model_id, int64_t input_tokens)
      : stream_(stream), model_(std::move(model_id)), input_tokens_(input_tokens), id_(new_response_id("msg_")) {}

  void open(std::string& out) override {
    Json msg = message(Json::array(), nullptr, nullptr, 0);
    event(out, "message_start", {{"type", "message_start"}, {"message", msg}});
    event(out, "content_block_start",
          {{"type", "content_block_start"}, {"index", 0}, {"content_block", {{"type", "text"}, {"text", ""}}}});
    event(out, "ping", {{"type", "ping"}});
  }

  void token(size_t /*choice: one per request*/, const engine::StreamEvent& ev, std::string& out) override {
    if (stream_) delta(ev.text, out);
  }

  void done(size_t /*choice*/, const Outcome& o, const std::string& tail, std::string& out) override {
    if (!stream_) {
      const Json content = Json::array({{{"type", "text"}, {"text", o.text}}});
      out += json_text(message(content, stop_reason(o), stop_sequence(o), o.completion_tokens));
      return;
    }
    delta(tail, out);
    event(out, "content_block_stop", {{"type", "content_block_stop"}, {"index", 0}});
    event(out, "message_delta",
          {{"type", "message_delta"},
           {"delta", {{"stop_reason", stop_reason(o)}, {"stop_sequence", stop_sequence(o)}}},
           {"usage", {{"output_tokens", o.completion_tokens}}}});
    event(out, "message_stop", {{"type", "message_stop"}});
  }

  void fail(const ApiError& e, std::string& out) override {
    if (stream_) {
      event(out, "error", Json::parse(anthropic::error_body(e)));
    } else {
      out += anthropic::error_body(e);
    }
  }

 private:
  Json message(Json content, Json reason, Json sequence, int64_t output_tokens) const {
    return {{"id", id_},
            {"type", "message"},
            {"role", "assistant"},
            {"model", model_},
            {"content", std::move(content)},
            {"stop_reason", std::move(reason)},
            {"stop_sequence", std::move(sequence)},
            {"usage", {{"input_tokens", input_tokens_}, {"output_tokens", output_tokens}}}};
  }

  static void delta(const std::string& text, std::string& out) {
    if (text.empty()) return;
    event(out, "content_block_delta",
          {{"type", "content_block_delta"}, {"index", 0}, {"delta", {{"type", "text_delta"}, {"text", text}}}});
  }

  bool stream_;
  std::string model_;
  int64_t input_tokens_;
  std::string id_;
};

const char* error_type(int status) {
  switch (status) {
    case 401: return "authentication_error";
    case 403: return "permission_error";
    case 404: return "not_found_error";
    case 413: return "request_too_large";
    case 429: return "rate_limit_error";
    case 503:
    case 529: return "overloaded_error";
    default: return status >= 500 ? "api_error" : "invalid_request_error";
  }
}

}  // namespace

HttpReply messages(ModelService& model, const Limits& limits, const HttpRequest& req) {
  const auto received = Clock::now();
  MessagesRequest r = parse_messages(parse_body(req.body), model, limits);
  auto renderer = std::make_unique<MessageRenderer>(r.stream, model.id(), static_cast<int64_t>(r.gen.prompt.size()));
  return generation_reply(model, std::move(r.gen), {r.stream, "text/event-stream"}, std::move(renderer), received);
}

HttpReply count_tokens(ModelService& model, const HttpRequest& req) {
  const Json b = parse_body(req.body);
  check_model(b, "model", model, /*required=*/true);
  reject_unsupported(Fields(b));
  return json_reply({{"input_tokens", model.chat_prompt(chat_messages(b)).size()}});
}

std::string error_body(const ApiError& e) {
  return json_text(Json{{"type", "error"}, {"error", {{"type", error_type(e.status())}, {"message", e.what()}}}});
}

}  // namespace hearth::server::anthropic
