#include "server/openai.h"

#include <atomic>
#include <chrono>
#include <memory>

#include "server/api_error.h"
#include "server/openai_params.h"

namespace hearth::server::openai {

namespace {

using json = nlohmann::ordered_json;

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string new_id(const char* prefix) {
  static std::atomic<uint64_t> counter{0};
  return std::string(prefix) + std::to_string(unix_now()) + "-" + std::to_string(counter.fetch_add(1));
}

json bytes_of(const std::string& s) {
  json a = json::array();
  for (const char c : s) a.push_back(static_cast<unsigned char>(c));
  return a;
}

// One token's entry in chat logprobs.content[].
json chat_logprob(const tokenizer::Tokenizer& tok, const sampling::Logprobs& lp) {
  const std::string piece = tok.token_to_piece(lp.chosen.id);
  json top = json::array();
  for (const auto& t : lp.top) {
    const std::string p = tok.token_to_piece(t.id);
    top.push_back({{"token", p}, {"logprob", t.logprob}, {"bytes", bytes_of(p)}});
  }
  return {{"token", piece}, {"logprob", lp.chosen.logprob}, {"bytes", bytes_of(piece)}, {"top_logprobs", top}};
}

// Legacy completions logprobs: parallel arrays over the tokens.
struct LegacyLogprobs {
  json tokens = json::array(), token_logprobs = json::array(), top_logprobs = json::array(),
       text_offset = json::array();
  void add(const tokenizer::Tokenizer& tok, const sampling::Logprobs& lp, size_t offset) {
    tokens.push_back(tok.token_to_piece(lp.chosen.id));
    token_logprobs.push_back(lp.chosen.logprob);
    json top = json::object();
    for (const auto& t : lp.top) top[tok.token_to_piece(t.id)] = t.logprob;
    top_logprobs.push_back(top);
    text_offset.push_back(offset);
  }
  json to_json() const {
    return {{"tokens", tokens}, {"token_logprobs", token_logprobs}, {"top_logprobs", top_logprobs},
            {"text_offset", text_offset}};
  }
};

// Renders one request's token stream as OpenAI JSON: SSE chunks when
// streaming, else one object once the stream is done. Lives on the
// connection's thread except for the `ready` bell.
class GenerationSource : public BodySource {
 public:
  GenerationSource(Endpoint ep, ResponseOptions opts, const tokenizer::Tokenizer& tok,
                   std::shared_ptr<engine::TokenStream> stream)
      : ep_(ep), opts_(std::move(opts)), tok_(tok), stream_(std::move(stream)),
        id_(new_id(ep == Endpoint::chat ? "chatcmpl-" : "cmpl-")), created_(unix_now()) {}

  void start(std::function<void()> ready) override { stream_->set_notify(std::move(ready)); }
  void cancel() override { stream_->cancel(); }
  int status() const override { return status_; }

  bool pull(std::string& out) override {
    while (auto ev = stream_->try_pop()) {
      if (ev->done) {
        finish(*ev, out);
        return false;
      }
      on_token(*ev, out);
    }
    return true;
  }

 private:
  json envelope(bool chunk) const {
    json j;
    j["id"] = id_;
    j["object"] = ep_ == Endpoint::chat ? (chunk ? "chat.completion.chunk" : "chat.completion") : "text_completion";
    j["created"] = created_;
    j["model"] = opts_.model_id;
    return j;
  }

  // A streamed chunk with one choice (text delta, logprobs, finish reason).
  void send_chunk(std::string& out, const std::string& text, const json& logprobs, const json& finish) {
    json j = envelope(true);
    json choice;
    choice["index"] = 0;
    if (ep_ == Endpoint::chat) {
      json delta = json::object();
      if (!sent_role_) {
        delta["role"] = "assistant";
        sent_role_ = true;
      }
      if (!text.empty() || finish.is_null()) delta["content"] = text;
      choice["delta"] = delta;
    } else {
      choice["text"] = text;
    }
    choice["logprobs"] = logprobs;
    choice["finish_reason"] = finish;
    j["choices"] = json::array({choice});
    if (opts_.include_usage) j["usage"] = nullptr;
    out += "data: " + j.dump() + "\n\n";
  }

  json token_logprobs_json(const engine::StreamEvent& ev) {
    if (!ev.logprobs) return nullptr;
    if (ep_ == Endpoint::chat) return {{"content", json::array({chat_logprob(tok_, *ev.logprobs)})}};
    LegacyLogprobs one;
    one.add(tok_, *ev.logprobs, text_.size());
    return one.to_json();
  }

  void on_token(const engine::StreamEvent& ev, std::string& out) {
    if (opts_.stream) {
      // A chunk per token: the text may be empty while a stop string or a
      // UTF-8 character is pending, but the token's logprobs still go out.
      if (!ev.text.empty() || ev.logprobs || !sent_role_) send_chunk(out, ev.text, token_logprobs_json(ev), nullptr);
    } else if (ev.logprobs) {
      if (ep_ == Endpoint::chat) {
        chat_logprobs_.push_back(chat_logprob(tok_, *ev.logprobs));
      } else {
        legacy_.add(tok_, *ev.logprobs, text_.size());
      }
    }
    text_ += ev.text;
  }

  json usage(const engine::StreamEvent& ev) const {
    return {{"prompt_tokens", ev.prompt_tokens},
            {"completion_tokens", ev.completion_tokens},
            {"total_tokens", ev.prompt_tokens + ev.completion_tokens}};
  }

  void finish(const engine::StreamEvent& ev, std::string& out) {
    text_ += ev.text;
    if (ev.finish == engine::FinishReason::error) {
      const ApiError err(500, "server_error", "generation failed: " + ev.error);
      status_ = 500;
      out += opts_.stream ? "data: " + error_body(err) + "\n\ndata: [DONE]\n\n" : error_body(err);
      return;
    }
    const char* reason = ev.finish == engine::FinishReason::length ? "length" : "stop";
    if (opts_.stream) {
      send_chunk(out, ev.text, nullptr, reason);
      if (opts_.include_usage) {
        json j = envelope(true);
        j["choices"] = json::array();
        j["usage"] = usage(ev);
        out += "data: " + j.dump() + "\n\n";
      }
      out += "data: [DONE]\n\n";
      return;
    }
    json j = envelope(false);
    json choice;
    choice["index"] = 0;
    if (ep_ == Endpoint::chat) {
      choice["message"] = {{"role", "assistant"}, {"content", text_}};
      choice["logprobs"] = chat_logprobs_.empty() ? json(nullptr) : json{{"content", chat_logprobs_}};
    } else {
      choice["text"] = text_;
      choice["logprobs"] = legacy_.tokens.empty() ? json(nullptr) : legacy_.to_json();
    }
    choice["finish_reason"] = reason;
    j["choices"] = json::array({choice});
    j["usage"] = usage(ev);
    out += j.dump();
  }

  Endpoint ep_;
  ResponseOptions opts_;
  const tokenizer::Tokenizer& tok_;
  std::shared_ptr<engine::TokenStream> stream_;
  std::string id_;
  int64_t created_;
  int status_ = 200;
  bool sent_role_ = false;
  std::string text_;
  json chat_logprobs_ = json::array();
  LegacyLogprobs legacy_;
};

HttpReply generate(ModelService& model, ParsedRequest p, Endpoint ep) {
  auto stream = model.scheduler().submit(std::move(p.gen));
  HttpReply r;
  r.streamed = p.opts.stream;
  if (r.streamed) r.content_type = "text/event-stream";
  r.source = std::make_shared<GenerationSource>(ep, std::move(p.opts), model.tokenizer(), std::move(stream));
  return r;
}

}  // namespace

HttpReply chat_completions(ModelService& model, const Limits& limits, const HttpRequest& req) {
  ParsedRequest p = parse_request(req.body, Endpoint::chat, model, limits);
  if (!p.body.contains("messages")) throw bad_request("messages is required", "messages");
  p.gen.prompt = model.chat_prompt(p.body["messages"]);
  return generate(model, std::move(p), Endpoint::chat);
}

HttpReply completions(ModelService& model, const Limits& limits, const HttpRequest& req) {
  ParsedRequest p = parse_request(req.body, Endpoint::completion, model, limits);
  const json& prompt = p.body.contains("prompt") ? p.body["prompt"] : json();
  if (prompt.is_string()) {
    p.gen.prompt = model.text_prompt(prompt.get<std::string>());
  } else if (prompt.is_array() && prompt.size() == 1 && prompt[0].is_string()) {
    p.gen.prompt = model.text_prompt(prompt[0].get<std::string>());
  } else {
    throw bad_request("prompt must be a string (arrays of several prompts are not supported yet)", "prompt");
  }
  return generate(model, std::move(p), Endpoint::completion);
}

HttpReply list_models(const std::vector<ModelFile>& models) {
  json data = json::array();
  for (const auto& m : models) {
    data.push_back({{"id", m.name}, {"object", "model"}, {"created", m.modified}, {"owned_by", "hearth"}});
  }
  HttpReply r;
  r.body = json{{"object", "list"}, {"data", data}}.dump();
  return r;
}

}  // namespace hearth::server::openai
