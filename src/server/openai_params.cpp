#include "server/openai_params.h"

#include <cmath>

#include "server/api_error.h"
#include "server/json_body.h"

namespace hearth::server::openai {

namespace {

using json = nlohmann::ordered_json;

// A number field within [lo, hi], or `fallback` when absent or null.
double number(const json& b, const char* key, double fallback, double lo, double hi) {
  if (!b.contains(key) || b[key].is_null()) return fallback;
  if (!b[key].is_number()) throw bad_request(std::string(key) + " must be a number", key);
  const double v = b[key].get<double>();
  if (!std::isfinite(v) || v < lo || v > hi) {
    throw bad_request(std::string(key) + " must be between " + json(lo).dump() + " and " + json(hi).dump() +
                          " (got " + json(v).dump() + ")",
                      key);
  }
  return v;
}

// An integer field >= lo, or `fallback` when absent or null.
int64_t integer(const json& b, const char* key, int64_t fallback, int64_t lo) {
  if (!b.contains(key) || b[key].is_null()) return fallback;
  if (!b[key].is_number_integer()) throw bad_request(std::string(key) + " must be an integer", key);
  const auto v = b[key].get<int64_t>();
  if (v < lo) throw bad_request(std::string(key) + " must be >= " + std::to_string(lo), key);
  return v;
}

using json_body::boolean;

std::vector<std::string> stop_strings(const json& b, const Limits& limits) {
  std::vector<std::string> out;
  if (!b.contains("stop") || b["stop"].is_null()) return out;
  const json& s = b["stop"];
  if (s.is_string()) {
    out.push_back(s.get<std::string>());
  } else if (s.is_array()) {
    for (const auto& e : s) {
      if (!e.is_string()) throw bad_request("stop must be a string or an array of strings", "stop");
      out.push_back(e.get<std::string>());
    }
  } else {
    throw bad_request("stop must be a string or an array of strings", "stop");
  }
  if (out.size() > limits.max_stop_strings) {
    throw bad_request("at most " + std::to_string(limits.max_stop_strings) + " stop strings", "stop");
  }
  for (const auto& e : out) {
    if (e.empty() || e.size() > limits.max_stop_bytes) {
      throw bad_request("each stop string must be 1.." + std::to_string(limits.max_stop_bytes) + " bytes", "stop");
    }
  }
  return out;
}

void parse_logprobs(const json& b, Endpoint ep, const Limits& limits, engine::GenerationRequest& gen) {
  if (ep == Endpoint::chat) {
    gen.logprobs = boolean(b, "logprobs", false);
    gen.sampling.n_probs = static_cast<int32_t>(integer(b, "top_logprobs", 0, 0));
    if (gen.sampling.n_probs > limits.max_top_logprobs) {
      throw bad_request("top_logprobs must be <= " + std::to_string(limits.max_top_logprobs), "top_logprobs");
    }
    if (gen.sampling.n_probs > 0 && !gen.logprobs) {
      throw bad_request("top_logprobs needs logprobs: true", "top_logprobs");
    }
  } else {
    // Legacy completions: logprobs is the number of alternatives (0..5).
    if (b.contains("logprobs") && !b["logprobs"].is_null()) {
      const int64_t n = integer(b, "logprobs", 0, 0);
      if (n > 5) throw bad_request("logprobs must be between 0 and 5", "logprobs");
      gen.logprobs = true;
      gen.sampling.n_probs = static_cast<int32_t>(n);
    }
  }
}

}  // namespace

ParsedRequest parse_request(const std::string& body, Endpoint ep, const ModelService& model, const Limits& limits) {
  ParsedRequest p;
  p.body = json_body::parse_object(body);
  const json& b = p.body;

  if (b.contains("model")) {
    if (!b["model"].is_string()) throw bad_request("model must be a string", "model");
    const auto name = b["model"].get<std::string>();
    if (!model.answers_to(name)) {
      throw ApiError(404, "invalid_request_error", "The model '" + name + "' does not exist (this server has '" +
                                                       model.id() + "')",
                     "model", "model_not_found");
    }
  }
  p.opts.model_id = model.id();

  p.opts.n = integer(b, "n", 1, 1);
  if (p.opts.n > limits.max_choices) {
    throw bad_request("n must be <= " + std::to_string(limits.max_choices) + " (got " + std::to_string(p.opts.n) + ")",
                      "n");
  }
  if (b.contains("response_format") && b["response_format"].is_object() &&
      b["response_format"].value("type", "text") != "text") {
    throw bad_request("response_format other than text is not supported yet", "response_format");
  }

  auto& sp = p.gen.sampling;
  sp.temperature = static_cast<float>(number(b, "temperature", 1.0, 0.0, 2.0));
  sp.top_p = static_cast<float>(number(b, "top_p", 1.0, 0.0, 1.0));
  if (sp.top_p <= 0.0f) sp.top_p = 1e-6f;  // OpenAI accepts 0: keep only the top token
  sp.top_k = 0;
  sp.min_p = 0.0f;
  sp.repeat_penalty = 1.0f;
  sp.repeat_last_n = -1;
  sp.presence_penalty = static_cast<float>(number(b, "presence_penalty", 0.0, -2.0, 2.0));
  sp.frequency_penalty = static_cast<float>(number(b, "frequency_penalty", 0.0, -2.0, 2.0));
  if (b.contains("seed") && !b["seed"].is_null()) {
    if (!b["seed"].is_number_integer()) throw bad_request("seed must be an integer", "seed");
    sp.seed = static_cast<uint64_t>(b["seed"].get<int64_t>());
  }
  p.gen.max_tokens = integer(b, "max_completion_tokens", integer(b, "max_tokens", -1, 0), 0);
  if (p.gen.max_tokens == 0) throw bad_request("max_tokens must be >= 1", "max_tokens");
  p.gen.stops = stop_strings(b, limits);
  parse_logprobs(b, ep, limits, p.gen);

  p.opts.stream = boolean(b, "stream", false);
  if (b.contains("stream_options") && b["stream_options"].is_object()) {
    p.opts.include_usage = boolean(b["stream_options"], "include_usage", false);
  }
  return p;
}

}  // namespace hearth::server::openai
