#include "server/openai_params.h"

#include "server/api_error.h"
#include "server/json_fields.h"

namespace hearth::server::openai {

namespace {

void parse_logprobs(const Fields& f, Endpoint ep, const Limits& limits, engine::GenerationRequest& gen) {
  if (ep == Endpoint::chat) {
    gen.logprobs = f.boolean("logprobs").value_or(false);
    gen.sampling.n_probs = static_cast<int32_t>(f.integer("top_logprobs", 0, limits.max_top_logprobs).value_or(0));
    if (gen.sampling.n_probs > 0 && !gen.logprobs) {
      throw bad_request("top_logprobs needs logprobs: true", "top_logprobs");
    }
  } else if (const auto n = f.integer("logprobs", 0, 5)) {
    // Legacy completions: logprobs is the number of alternatives (0..5).
    gen.logprobs = true;
    gen.sampling.n_probs = static_cast<int32_t>(*n);
  }
}

// response_format: {"type": "text"} (the default) or {"type": "json_object"}
// (the output is one JSON object); json_schema is not supported yet.
engine::ResponseFormat response_format(const Json& b) {
  if (!b.contains("response_format") || b["response_format"].is_null()) return engine::ResponseFormat::text;
  const Json& f = b["response_format"];
  if (!f.is_object() || !f.contains("type") || !f["type"].is_string()) {
    throw bad_request("response_format must be an object with a string \"type\"", "response_format");
  }
  const std::string type = f["type"].get<std::string>();
  if (type == "text") return engine::ResponseFormat::text;
  if (type == "json_object") return engine::ResponseFormat::json_object;
  throw bad_request("response_format type \"" + type + "\" is not supported (use \"text\" or \"json_object\")",
                    "response_format");
}

}  // namespace

ParsedRequest parse_request(const std::string& body, Endpoint ep, const ModelService& model, const Limits& limits) {
  ParsedRequest p;
  p.body = parse_body(body);
  const Json& b = p.body;
  const Fields f(b);
  check_model(b, "model", model, /*required=*/false);
  p.opts.model_id = model.id();

  p.opts.n = f.integer("n", 1, limits.max_choices).value_or(1);
  p.gen.format = response_format(b);

  auto& sp = p.gen.sampling;
  sp.temperature = static_cast<float>(f.number("temperature", 0.0, 2.0).value_or(1.0));
  sp.top_p = nucleus_top_p(f.number("top_p", 0.0, 1.0).value_or(1.0));
  sp.top_k = 0;
  sp.min_p = 0.0f;
  sp.repeat_penalty = 1.0f;
  sp.repeat_last_n = -1;
  sp.presence_penalty = static_cast<float>(f.number("presence_penalty", -2.0, 2.0).value_or(0.0));
  sp.frequency_penalty = static_cast<float>(f.number("frequency_penalty", -2.0, 2.0).value_or(0.0));
  if (const auto seed = f.integer("seed", INT64_MIN)) sp.seed = static_cast<uint64_t>(*seed);
  p.gen.max_tokens = f.integer("max_completion_tokens", 1).value_or(f.integer("max_tokens", 1).value_or(-1));
  p.gen.stops = f.stops("stop", limits);
  parse_logprobs(f, ep, limits, p.gen);

  p.opts.stream = f.boolean("stream").value_or(false);
  if (b.contains("stream_options") && b["stream_options"].is_object()) {
    p.opts.include_usage = Fields(b["stream_options"], "stream_options.").boolean("include_usage").value_or(false);
  }
  return p;
}

}  // namespace hearth::server::openai
