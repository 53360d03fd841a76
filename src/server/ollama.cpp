#include "server/ollama.h"

#include <ctime>
#include <memory>

#include "server/api_error.h"
#include "server/generation_reply.h"
#include "server/ollama_request.h"

namespace hearth::server::ollama {

namespace {

int64_t ns(std::chrono::nanoseconds d) { return d.count(); }

// Renders a generation as Ollama objects: one line per token while
// streaming, the final object (done: true, counts, durations) at the end.
class OllamaRenderer : public Renderer {
 public:
  OllamaRenderer(Endpoint ep, bool stream, std::string model_id, std::chrono::nanoseconds load)
      : ep_(ep), stream_(stream), model_(std::move(model_id)), load_(load) {}

  void token(size_t /*choice: one per request*/, const engine::StreamEvent& ev, std::string& out) override {
    if (stream_ && !ev.text.empty()) line(out, object(ev.text, false));
  }

  void done(size_t /*choice*/, const Outcome& o, const std::string& tail, std::string& out) override {
    if (stream_ && !tail.empty()) line(out, object(tail, false));
    Json j = object(stream_ ? std::string() : o.text, true);
    j["done_reason"] = o.finish == engine::FinishReason::length ? "length" : "stop";
    j["total_duration"] = ns(o.total);
    j["load_duration"] = ns(load_);
    j["prompt_eval_count"] = o.prompt_tokens;
    j["prompt_eval_duration"] = ns(o.prompt_eval);
    j["eval_count"] = o.completion_tokens;
    j["eval_duration"] = ns(o.eval);
    line(out, j);
  }

  void fail(const ApiError& e, std::string& out) override { line(out, Json::parse(ollama::error_body(e))); }

 private:
  Json object(const std::string& text, bool done) const {
    Json j{{"model", model_}, {"created_at", rfc3339(std::chrono::system_clock::now())}};
    if (ep_ == Endpoint::chat) {
      j["message"] = {{"role", "assistant"}, {"content", text}};
    } else {
      j["response"] = text;
    }
    j["done"] = done;
    return j;
  }

  void line(std::string& out, const Json& j) const {
    out += json_text(j);
    if (stream_) out += "\n";
  }

  Endpoint ep_;
  bool stream_;
  std::string model_;
  std::chrono::nanoseconds load_;  // this request's wait for the model to load
};

// (keep_alive was handed to the model registry with the request's lease:
// server/model_route.h, model_choice.)
HttpReply run(ModelService& model, const Limits& limits, const HttpRequest& req, Endpoint ep) {
  const auto received = Clock::now() - req.model_load_wait;  // total_duration includes the load
  OllamaRequest r = parse_request(parse_body(req.body), ep, model, limits);
  if (r.load_only) {  // Ollama's "load the model" call: nothing to generate
    HttpReply reply;
    reply.body = Json{{"model", model.id()},
                      {"created_at", rfc3339(std::chrono::system_clock::now())},
                      {"response", ""},
                      {"done", true},
                      {"done_reason", "load"}}
                     .dump();
    return reply;
  }
  auto renderer = std::make_unique<OllamaRenderer>(ep, r.stream, model.id(), req.model_load_wait);
  return generation_reply(model, std::move(r.gen), {r.stream, "application/x-ndjson"}, std::move(renderer), received);
}

}  // namespace

HttpReply generate(ModelService& model, const Limits& limits, const HttpRequest& req) {
  return run(model, limits, req, Endpoint::generate);
}

HttpReply chat(ModelService& model, const Limits& limits, const HttpRequest& req) {
  return run(model, limits, req, Endpoint::chat);
}

ModelChoice model_choice(const HttpRequest& req) {
  const Json b = parse_body(req.body);
  const Fields f(b);
  // "name" is the field's older spelling (/api/show).
  const char* key = f.has("model") || !f.has("name") ? "model" : "name";
  auto name = f.string(key);
  if (!name) throw bad_request(std::string(key) + " is required (GET /api/tags lists the models)", key);
  ModelChoice c{without_default_tag(*name), std::nullopt};
  if (f.has("keep_alive")) c.keep_alive = parse_keep_alive(f.at("keep_alive"), "keep_alive");
  return c;
}

std::string error_body(const ApiError& e) { return json_text(Json{{"error", e.what()}}); }

std::string rfc3339(std::chrono::system_clock::time_point t) {
  const auto since = t.time_since_epoch();
  const auto secs = std::chrono::floor<std::chrono::seconds>(since);
  const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(since - secs).count();
  const std::time_t tt = secs.count();
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  const size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%09lldZ", static_cast<long long>(nanos));
  return std::string(buf, n) + frac;
}

}  // namespace hearth::server::ollama
