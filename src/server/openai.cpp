#include "server/openai.h"

#include <memory>
#include <vector>

#include "server/api_error.h"
#include "server/generation_reply.h"
#include "server/openai_params.h"

namespace hearth::server::openai {

namespace {

using json = nlohmann::ordered_json;

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
// else one object once every choice is done.
class OpenAiRenderer : public Renderer {
 public:
  OpenAiRenderer(Endpoint ep, ResponseOptions opts, const tokenizer::Tokenizer& tok)
      : ep_(ep), opts_(std::move(opts)), tok_(tok), id_(new_response_id(ep == Endpoint::chat ? "chatcmpl-" : "cmpl-")),
        created_(unix_now()), choices_(static_cast<size_t>(opts_.n)) {}

  void token(size_t index, const engine::StreamEvent& ev, std::string& out) override {
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
        c.legacy.add(tok_, *ev.logprobs, c.text_size);
      }
    }
    c.text_size += ev.text.size();
  }

  void done(size_t index, const Outcome& o, const std::string& tail, std::string& out) override {
    Choice& c = choices_[index];
    c.outcome = o;
    if (opts_.stream) send_chunk(out, index, tail, nullptr, finish_reason(o));
  }

  void close(std::string& out) override {
    if (opts_.stream) {
      if (opts_.include_usage) {
        json j = envelope(true);
        j["choices"] = json::array();
        j["usage"] = usage();
        out += "data: " + json_text(j) + "\n\n";
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
        choice["message"] = {{"role", "assistant"}, {"content", c.outcome.text}};
        choice["logprobs"] = c.chat_logprobs.empty() ? json(nullptr) : json{{"content", c.chat_logprobs}};
      } else {
        choice["text"] = c.outcome.text;
        choice["logprobs"] = c.legacy.tokens.empty() ? json(nullptr) : c.legacy.to_json();
      }
      choice["finish_reason"] = finish_reason(c.outcome);
      j["choices"].push_back(choice);
    }
    j["usage"] = usage();
    out += json_text(j);
  }

  void fail(const ApiError& e, std::string& out) override {
    out += opts_.stream ? "data: " + error_body(e) + "\n\ndata: [DONE]\n\n" : error_body(e);
  }

 private:
  // What one of the n independent sequences has produced so far.
  struct Choice {
    bool sent_role = false;
    size_t text_size = 0;  // bytes of text so far (legacy logprobs' text_offset)
    json chat_logprobs = json::array();
    LegacyLogprobs legacy;
    Outcome outcome;  // set by done()
  };

  static const char* finish_reason(const Outcome& o) {
    return o.finish == engine::FinishReason::length ? "length" : "stop";
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
    out += "data: " + json_text(j) + "\n\n";
  }

  json token_logprobs_json(const Choice& c, const engine::StreamEvent& ev) {
    if (!ev.logprobs) return nullptr;
    if (ep_ == Endpoint::chat) return {{"content", json::array({chat_logprob(tok_, *ev.logprobs)})}};
    LegacyLogprobs one;
    one.add(tok_, *ev.logprobs, c.text_size);
    return one.to_json();
  }

  // The prompt counts once; completion tokens are summed over the choices.
  json usage() const {
    const int64_t prompt = choices_.front().outcome.prompt_tokens;
    int64_t completion = 0;
    for (const auto& c : choices_) completion += c.outcome.completion_tokens;
    return {{"prompt_tokens", prompt},
            {"completion_tokens", completion},
            {"total_tokens", prompt + completion},
            {"prompt_tokens_details", {{"cached_tokens", choices_.front().outcome.cached_tokens}}}};
  }

  Endpoint ep_;
  ResponseOptions opts_;
  const tokenizer::Tokenizer& tok_;
  std::string id_;
  int64_t created_;
  std::vector<Choice> choices_;
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

HttpReply generate(ModelService& model, ParsedRequest p, Endpoint ep) {
  check_choices_fit(p.gen, p.opts.n, model.scheduler().n_ctx());
  // Choice i is seeded with seed + i, so a seeded request is reproducible
  // and its choices differ.
  std::vector<engine::GenerationRequest> choices;
  for (int64_t i = 0; i < p.opts.n; ++i) {
    engine::GenerationRequest one = p.gen;
    if (one.sampling.seed) one.sampling.seed = *one.sampling.seed + static_cast<uint64_t>(i);
    choices.push_back(std::move(one));
  }
  const ReplyFormat format{p.opts.stream, "text/event-stream"};
  auto renderer = std::make_unique<OpenAiRenderer>(ep, std::move(p.opts), model.tokenizer());
  return generation_reply(model, std::move(choices), format, std::move(renderer), p.received);
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
  return json_reply({{"object", "list"}, {"data", data}});
}

}  // namespace hearth::server::openai
