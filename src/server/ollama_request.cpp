#include "server/ollama_request.h"

#include <algorithm>

#include "server/api_error.h"
#include "server/ollama.h"

namespace hearth::server::ollama {

namespace {

// Fields this dialect does not serve yet: a clear 400 instead of ignoring them.
void reject_unsupported(const Fields& f, Endpoint ep) {
  static const std::vector<const char*> chat_only{"tools"};
  static const std::vector<const char*> generate_only{"suffix", "template", "context", "images"};
  const auto& unsupported = ep == Endpoint::chat ? chat_only : generate_only;
  for (const char* key : unsupported) {
    if (f.has(key) && !(f.at(key).is_array() && f.at(key).empty())) {
      throw bad_request(std::string(key) + " is not supported yet", key);
    }
  }
}

// format: "json" constrains the output to one JSON object (JSON mode, the
// sampler's JSON constraint); "" or absent: text. A JSON schema object is
// not supported yet (400).
engine::ResponseFormat response_format(const Fields& f) {
  if (!f.has("format")) return engine::ResponseFormat::text;
  const Json& v = f.at("format");
  if (v.is_string() && v.get<std::string>().empty()) return engine::ResponseFormat::text;
  if (v.is_string() && v.get<std::string>() == "json") return engine::ResponseFormat::json_object;
  throw bad_request("format must be \"json\" (a JSON schema is not supported yet)", "format");
}

// The sampling options, with Ollama's defaults. Returns num_predict and num_ctx.
struct Budget {
  int64_t num_predict = -1;  // -1 (or -2): until the context is full
  std::optional<int64_t> num_ctx;
};

Budget parse_options(const Json& body, const Limits& limits, sampling::SamplingParams& sp, std::vector<std::string>& stops) {
  static const Json none;
  const Fields o(body.contains("options") ? body["options"] : none, "options.");
  o.reject_unknown({"temperature", "top_k", "top_p", "min_p", "seed", "num_predict", "stop", "repeat_penalty",
                    "repeat_last_n", "presence_penalty", "frequency_penalty", "num_ctx"});
  sp.temperature = static_cast<float>(o.number("temperature", 0.0, 100.0).value_or(0.8));
  sp.top_k = static_cast<int32_t>(o.integer("top_k", 0, INT32_MAX).value_or(40));
  sp.top_p = nucleus_top_p(o.number("top_p", 0.0, 1.0).value_or(0.9));
  sp.min_p = static_cast<float>(o.number("min_p", 0.0, 1.0).value_or(0.0));
  sp.repeat_penalty = static_cast<float>(o.number("repeat_penalty", 1e-6, 100.0).value_or(1.1));
  sp.repeat_last_n = static_cast<int32_t>(o.integer("repeat_last_n", -1, INT32_MAX).value_or(64));
  sp.presence_penalty = static_cast<float>(o.number("presence_penalty", -100.0, 100.0).value_or(0.0));
  sp.frequency_penalty = static_cast<float>(o.number("frequency_penalty", -100.0, 100.0).value_or(0.0));
  if (const auto seed = o.integer("seed", INT64_MIN)) sp.seed = static_cast<uint64_t>(*seed);
  stops = o.stops("stop", limits);
  Budget b;
  b.num_predict = o.integer("num_predict", -2).value_or(-1);
  if (b.num_predict == 0) throw bad_request("options.num_predict must be -1, -2 or >= 1 (got 0)", "options.num_predict");
  b.num_ctx = o.integer("num_ctx", 1);
  return b;
}

// The request's window: num_ctx when given (capped by the server's
// context). Never truncates: a request over it is a 400 with both numbers.
void fit_context(const Budget& b, int64_t server_ctx, engine::GenerationRequest& gen) {
  const bool by_num_ctx = b.num_ctx && *b.num_ctx <= server_ctx;
  const int64_t window = by_num_ctx ? *b.num_ctx : server_ctx;
  const std::string limit = by_num_ctx ? "options.num_ctx" : "the server's context";
  const auto n_prompt = static_cast<int64_t>(gen.prompt.size());
  if (b.num_predict > 0 && n_prompt + b.num_predict > window) {
    throw ApiError(400, "invalid_request_error",
                   "the request needs " + std::to_string(n_prompt + b.num_predict) + " tokens of context (" +
                       std::to_string(n_prompt) + " prompt + " + std::to_string(b.num_predict) + " num_predict) but " +
                       limit + " is " + std::to_string(window),
                   "options.num_ctx", "context_length_exceeded");
  }
  if (n_prompt >= window) {
    throw ApiError(400, "invalid_request_error",
                   "the prompt is " + std::to_string(n_prompt) + " tokens but " + limit + " is " +
                       std::to_string(window) + " (at least one more is needed to generate)",
                   "options.num_ctx", "context_length_exceeded");
  }
  if (b.num_predict > 0) {
    gen.max_tokens = b.num_predict;
  } else {
    gen.max_tokens = b.num_ctx ? window - n_prompt : -1;  // -1: the scheduler's whole context
  }
}

std::vector<int32_t> chat_prompt(const Fields& f, const ModelService& model) {
  if (!f.has("messages")) throw bad_request("messages is required", "messages");
  const Json& msgs = f.at("messages");
  if (!msgs.is_array() || msgs.empty()) throw bad_request("messages must be a non-empty array", "messages");
  for (size_t i = 0; i < msgs.size(); ++i) {
    const std::string where = "messages[" + std::to_string(i) + "]";
    const Fields m(msgs[i], where + ".");
    if (!m.string("role")) throw bad_request(where + ".role is required", "messages");
    if (!m.string("content")) throw bad_request(where + ".content is required", "messages");
    if (m.has("images") && !(m.at("images").is_array() && m.at("images").empty())) {
      throw bad_request(where + ".images: image input is not supported", "messages");
    }
  }
  return model.chat_prompt(msgs);
}

// /api/generate: the model's chat template around system + prompt, or the
// prompt as is when raw or when the model has no template (then a system
// text goes before it).
std::vector<int32_t> generate_prompt(const Fields& f, const ModelService& model, const std::string& prompt) {
  const auto system = f.string("system");
  if (f.boolean("raw").value_or(false)) return model.text_prompt(prompt);
  if (!model.has_chat_template()) return model.text_prompt(system ? *system + "\n\n" + prompt : prompt);
  Json msgs = Json::array();
  if (system) msgs.push_back({{"role", "system"}, {"content", *system}});
  msgs.push_back({{"role", "user"}, {"content", prompt}});
  return model.chat_prompt(msgs);
}

}  // namespace

void check_tagged_model(const Json& body, const char* key, const ModelService& model) {
  const Fields f(body);
  const auto name = f.string(key);
  if (name && name->ends_with(kDefaultTag)) {
    Json untagged = body;
    untagged[key] = without_default_tag(*name);
    return check_model(untagged, key, model, /*required=*/true);
  }
  check_model(body, key, model, /*required=*/true);
}

OllamaRequest parse_request(const Json& body, Endpoint ep, const ModelService& model, const Limits& limits) {
  const Fields f(body);
  check_tagged_model(body, "model", model);
  reject_unsupported(f, ep);
  OllamaRequest r;
  r.gen.format = response_format(f);
  r.stream = f.boolean("stream").value_or(true);
  const Budget budget = parse_options(body, limits, r.gen.sampling, r.gen.stops);
  if (ep == Endpoint::chat) {
    r.gen.prompt = chat_prompt(f, model);
  } else {
    const std::string prompt = f.string("prompt").value_or("");
    if (prompt.empty()) {
      r.load_only = true;
      return r;
    }
    r.gen.prompt = generate_prompt(f, model, prompt);
  }
  fit_context(budget, model.n_ctx(), r.gen);
  return r;
}

}  // namespace hearth::server::ollama
