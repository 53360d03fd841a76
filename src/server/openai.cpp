#include "server/openai.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <vector>

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

// Renders the token streams of one request's n choices as OpenAI JSON: SSE
// chunks when streaming (each carries its choice's index; a choice's finish
// chunk goes out when it ends, the usage chunk and [DONE] once all have),
// else one object once every stream is done. Lives on the connection's
// thread except for the `ready` bell.
class GenerationSource : public BodySource {
 public:
  GenerationSource(Endpoint ep, ResponseOptions opts, const tokenizer::Tokenizer& tok,
                   std::vector<std::shared_ptr<engine::TokenStream>> streams)
      : ep_(ep), opts_(std::move(opts)), tok_(tok), id_(new_id(ep == Endpoint::chat ? "chatcmpl-" : "cmpl-")),
        created_(unix_now()) {
    for (auto& s : streams) choices_.push_back(Choice{std::move(s)});
  }

  void start(std::function<void()> ready) override {
    for (auto& c : choices_) c.stream->set_notify(ready);
  }
  void cancel() override {
    for (auto& c : choices_) c.stream->cancel();
  }
  int status() const override { return status_; }

  bool pull(std::string& out) override {
    bool all_done = true;
    for (size_t i = 0; i < choices_.size(); ++i) {
      Choice& c = choices_[i];
      while (!c.final) {
        auto ev = c.stream->try_pop();
        if (!ev) break;
        if (ev->done) {
          c.text += ev->text;
          if (opts_.stream && ev->finish != engine::FinishReason::error) {
            send_chunk(out, i, ev->text, nullptr, finish_reason(*ev));
          }
          c.final = std::move(*ev);
        } else {
          on_token(i, *ev, out);
        }
      }
      all_done = all_done && c.final.has_value();
    }
    if (!all_done) return true;
    finish(out);
    return false;
  }

 private:
  // One of the n independent sequences.
  struct Choice {
    std::shared_ptr<engine::TokenStream> stream;
    std::string text;
    bool sent_role = false;
    json chat_logprobs = json::array();
    LegacyLogprobs legacy;
    std::optional<engine::StreamEvent> final;  // the stream's last event, once it came
  };

  static const char* finish_reason(const engine::StreamEvent& ev) {
    return ev.finish == engine::FinishReason::length ? "length" : "stop";
  }

  json envelope(bool chunk) const {
    json j;
    j["id"] = id_;
    j["object"] = ep_ == Endpoint::chat ? (chunk ? "chat.completion.chunk" : "chat.completion") : "text_completion";
    j["created"] = created_;
    j["model"] = opts_.model_id;
    return j;
  }

  // A streamed chunk with one choice (text delta, logprobs, finish reason).
  void send_chunk(std::string& out, size_t index, const std::string& text, const json& logprobs, const json& finish) {
    Choice& c = choices_[index];
    json j = envelope(true);
    json choice;
    choice["index"] = index;
    if (ep_ == Endpoint::chat) {
      json delta = json::object();
      if (!c.sent_role) {
        delta["role"] = "assistant";
        c.sent_role = true;
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

  json token_logprobs_json(const Choice& c, const engine::StreamEvent& ev) {
    if (!ev.logprobs) return nullptr;
    if (ep_ == Endpoint::chat) return {{"content", json::array({chat_logprob(tok_, *ev.logprobs)})}};
    LegacyLogprobs one;
    one.add(tok_, *ev.logprobs, c.text.size());
    return one.to_json();
  }

  void on_token(size_t index, const engine::StreamEvent& ev, std::string& out) {
    Choice& c = choices_[index];
    if (opts_.stream) {
      // A chunk per token: the text may be empty while a stop string or a
      // UTF-8 character is pending, but the token's logprobs still go out.
      if (!ev.text.empty() || ev.logprobs || !c.sent_role) {
        send_chunk(out, index, ev.text, token_logprobs_json(c, ev), nullptr);
      }
    } else if (ev.logprobs) {
      if (ep_ == Endpoint::chat) {
        c.chat_logprobs.push_back(chat_logprob(tok_, *ev.logprobs));
      } else {
        c.legacy.add(tok_, *ev.logprobs, c.text.size());
      }
    }
    c.text += ev.text;
  }

  // The prompt counts once; completion tokens are summed over the choices.
  json usage() const {
    const int64_t prompt = choices_.front().final->prompt_tokens;
    int64_t completion = 0;
    for (const auto& c : choices_) completion += c.final->completion_tokens;
    return {{"prompt_tokens", prompt}, {"completion_tokens", completion}, {"total_tokens", prompt + completion}};
  }

  void finish(std::string& out) {
    for (const auto& c : choices_) {
      if (c.final->finish != engine::FinishReason::error) continue;
      const ApiError err(500, "server_error", "generation failed: " + c.final->error);
      status_ = 500;
      out += opts_.stream ? "data: " + error_body(err) + "\n\ndata: [DONE]\n\n" : error_body(err);
      return;
    }
    if (opts_.stream) {
      if (opts_.include_usage) {
        json j = envelope(true);
        j["choices"] = json::array();
        j["usage"] = usage();
        out += "data: " + j.dump() + "\n\n";
      }
      out += "data: [DONE]\n\n";
      return;
    }
    json j = envelope(false);
    j["choices"] = json::array();
    for (size_t i = 0; i < choices_.size(); ++i) {
      const Choice& c = choices_[i];
      json choice;
      choice["index"] = i;
      if (ep_ == Endpoint::chat) {
        choice["message"] = {{"role", "assistant"}, {"content", c.text}};
        choice["logprobs"] = c.chat_logprobs.empty() ? json(nullptr) : json{{"content", c.chat_logprobs}};
      } else {
        choice["text"] = c.text;
        choice["logprobs"] = c.legacy.tokens.empty() ? json(nullptr) : c.legacy.to_json();
      }
      choice["finish_reason"] = finish_reason(*c.final);
      j["choices"].push_back(choice);
    }
    j["usage"] = usage();
    out += j.dump();
  }

  Endpoint ep_;
  ResponseOptions opts_;
  const tokenizer::Tokenizer& tok_;
  std::vector<Choice> choices_;
  std::string id_;
  int64_t created_;
  int status_ = 200;
};

// n > 1: the n sequences together must fit the context (each reserves its
// prompt + max_tokens; without max_tokens at least one token each).
void check_choices_fit(const engine::GenerationRequest& gen, int64_t n, int64_t n_ctx) {
  if (n == 1) return;
  const auto n_prompt = static_cast<int64_t>(gen.prompt.size());
  const int64_t each = n_prompt + (gen.max_tokens < 0 ? 1 : gen.max_tokens);
  if (n * each <= n_ctx) return;
  throw ContextFullError("the request needs " + std::to_string(n * each) + " tokens of context (n = " +
                         std::to_string(n) + " choices of " + std::to_string(n_prompt) + " prompt + " +
                         (gen.max_tokens < 0 ? std::string("at least 1") : std::to_string(gen.max_tokens) + " max_tokens") +
                         ") but the context holds " + std::to_string(n_ctx));
}

// Submits the n choices (choice i seeded with seed + i); all or none: when
// one is refused the others are cancelled before the error propagates.
std::vector<std::shared_ptr<engine::TokenStream>> submit_choices(engine::Scheduler& sched,
                                                                 const engine::GenerationRequest& gen, int64_t n) {
  check_choices_fit(gen, n, sched.n_ctx());
  std::vector<std::shared_ptr<engine::TokenStream>> streams;
  try {
    for (int64_t i = 0; i < n; ++i) {
      engine::GenerationRequest one = gen;
      if (one.sampling.seed) one.sampling.seed = *one.sampling.seed + static_cast<uint64_t>(i);
      streams.push_back(sched.submit(std::move(one)));
    }
  } catch (...) {
    for (auto& s : streams) s->cancel();
    throw;
  }
  return streams;
}

HttpReply generate(ModelService& model, ParsedRequest p, Endpoint ep) {
  auto streams = submit_choices(model.scheduler(), p.gen, p.opts.n);
  HttpReply r;
  r.streamed = p.opts.stream;
  if (r.streamed) r.content_type = "text/event-stream";
  r.source = std::make_shared<GenerationSource>(ep, std::move(p.opts), model.tokenizer(), std::move(streams));
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

HttpReply list_models(const ModelService& model) {
  json m = {{"id", model.id()}, {"object", "model"}, {"created", model.created()}, {"owned_by", "hearth"}};
  HttpReply r;
  r.body = json{{"object", "list"}, {"data", json::array({m})}}.dump();
  return r;
}

}  // namespace hearth::server::openai
