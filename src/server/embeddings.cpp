#include "server/embeddings.h"

#include <bit>
#include <chrono>
#include <cstring>
#include <memory>

#include "core/error.h"
#include "server/api_error.h"
#include "server/embedding_job.h"
#include "server/json_fields.h"
#include "server/ollama.h"

namespace hearth::server {

namespace {

using json = nlohmann::ordered_json;

std::string base64(const uint8_t* data, size_t n) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((n + 2) / 3 * 4);
  for (size_t i = 0; i < n; i += 3) {
    const uint32_t b0 = data[i], b1 = i + 1 < n ? data[i + 1] : 0, b2 = i + 2 < n ? data[i + 2] : 0;
    const uint32_t v = (b0 << 16) | (b1 << 8) | b2;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < n ? kAlphabet[(v >> 6) & 63] : '=';
    out += i + 2 < n ? kAlphabet[v & 63] : '=';
  }
  return out;
}

// The vector's float32 values, little-endian (the host order on x86 and
// arm64), as OpenAI's encoding_format: base64 sends them.
std::string base64_floats(const std::vector<float>& v) {
  static_assert(std::endian::native == std::endian::little, "base64 embeddings assume a little-endian host");
  std::vector<uint8_t> bytes(v.size() * sizeof(float));
  std::memcpy(bytes.data(), v.data(), bytes.size());
  return base64(bytes.data(), bytes.size());
}

// Every input must fit the context; with truncate, longer ones are cut.
void fit_context(std::vector<std::vector<int32_t>>& inputs, int64_t n_ctx, bool truncate) {
  for (size_t i = 0; i < inputs.size(); ++i) {
    const auto n = static_cast<int64_t>(inputs[i].size());
    if (n <= n_ctx) continue;
    if (truncate) {
      inputs[i].resize(static_cast<size_t>(n_ctx));
      continue;
    }
    throw ContextFullError("input[" + std::to_string(i) + "] is " + std::to_string(n) +
                           " tokens but the context holds " + std::to_string(n_ctx) +
                           " (shorten it, raise --ctx, or for /api/embed pass \"truncate\": true)");
  }
}

HttpReply job_reply(ModelService& model, const Limits& limits, std::vector<std::vector<int32_t>> inputs,
                    EmbeddingRender render) {
  HttpReply r;
  r.source = std::make_shared<EmbeddingJob>(model.scheduler(), std::move(inputs), limits.embedding_inputs_in_flight,
                                            std::move(render));
  return r;
}

// Both dialects accept "dimensions" only as this model's full width:
// shortened (Matryoshka) embeddings are not supported.
void check_dimensions(const json& b, int64_t n_embd) {
  if (!b.contains("dimensions") || b["dimensions"].is_null()) return;
  if (!b["dimensions"].is_number_integer() || b["dimensions"].get<int64_t>() != n_embd) {
    throw bad_request("dimensions must be " + std::to_string(n_embd) +
                          " (this model's embedding width; shortened embeddings are not supported)",
                      "dimensions");
  }
}

}  // namespace

// The inputs as token ids: strings are tokenized, id arrays checked
// against the vocabulary. Empty inputs are refused (an embedding of
// nothing has no meaning).
std::vector<std::vector<int32_t>> embedding_inputs(const nlohmann::ordered_json& input, const ModelService& model,
                                                   const Limits& limits, bool allow_ids) {
  const int32_t n_vocab = model.tokenizer().n_vocab();
  const auto from_ids = [&](const json& ids, size_t index) {
    std::vector<int32_t> out;
    for (const auto& t : ids) {
      if (!t.is_number_integer()) throw bad_request("input token ids must be integers", "input");
      const auto id = t.get<int64_t>();
      if (id < 0 || id >= n_vocab) {
        throw bad_request("input[" + std::to_string(index) + "]: token id " + std::to_string(id) +
                              " is outside the vocabulary (0.." + std::to_string(n_vocab - 1) + ")",
                          "input");
      }
      out.push_back(static_cast<int32_t>(id));
    }
    return out;
  };
  const auto from_text = [&](const json& s, size_t index) {
    if (s.get_ref<const std::string&>().empty()) {
      throw bad_request("input[" + std::to_string(index) + "] is an empty string", "input");
    }
    return model.text_prompt(s.get<std::string>());
  };
  const char* shapes = allow_ids ? "a string, an array of strings, an array of token ids or an array of arrays of token ids"
                                 : "a string or an array of strings";
  std::vector<std::vector<int32_t>> out;
  if (input.is_string()) {
    out.push_back(from_text(input, 0));
  } else if (input.is_array() && !input.empty()) {
    if (input.size() > limits.max_embedding_inputs) {
      throw bad_request("at most " + std::to_string(limits.max_embedding_inputs) + " inputs per request", "input");
    }
    if (allow_ids && input[0].is_number()) {
      out.push_back(from_ids(input, 0));
    } else {
      for (size_t i = 0; i < input.size(); ++i) {
        const json& e = input[i];
        if (e.is_string()) {
          out.push_back(from_text(e, i));
        } else if (allow_ids && e.is_array() && !e.empty()) {
          out.push_back(from_ids(e, i));
        } else {
          throw bad_request(std::string("input must be ") + shapes, "input");
        }
      }
    }
  } else {
    throw bad_request(std::string("input must be ") + shapes + " (not empty)", "input");
  }
  return out;
}

HttpReply openai_embeddings(ModelService& model, const Limits& limits, const HttpRequest& req) {
  const json b = parse_body(req.body);
  check_model(b, "model", model, /*required=*/false);
  if (!b.contains("input")) throw bad_request("input is required", "input");
  check_dimensions(b, model.n_embd());
  const std::string format = b.contains("encoding_format") && !b["encoding_format"].is_null()
                                 ? (b["encoding_format"].is_string() ? b["encoding_format"].get<std::string>() : "?")
                                 : "float";
  if (format != "float" && format != "base64") {
    throw bad_request("encoding_format must be \"float\" or \"base64\"", "encoding_format");
  }
  auto inputs = embedding_inputs(b["input"], model, limits, /*allow_ids=*/true);
  fit_context(inputs, model.scheduler().n_ctx(), /*truncate=*/false);
  EmbeddingRender render;
  render.done = [format, id = model.id()](const EmbeddingResults& res) {
    json data = json::array();
    for (size_t i = 0; i < res.vectors.size(); ++i) {
      const auto& v = res.vectors[i];
      data.push_back({{"object", "embedding"},
                      {"index", i},
                      {"embedding", format == "base64" ? json(base64_floats(v)) : json(v)}});
    }
    return json{{"object", "list"},
                {"data", data},
                {"model", id},
                {"usage", {{"prompt_tokens", res.prompt_tokens}, {"total_tokens", res.prompt_tokens}}}}
        .dump();
  };
  render.error = [](const std::string& message) { return error_body(ApiError(500, "server_error", message)); };
  return job_reply(model, limits, std::move(inputs), std::move(render));
}

HttpReply ollama_embed(ModelService& model, const Limits& limits, const HttpRequest& req) {
  const auto started = std::chrono::steady_clock::now() - req.model_load_wait;  // total_duration includes the load
  const json b = parse_body(req.body);
  check_model(b, "model", model, /*required=*/true);
  if (!b.contains("input")) throw bad_request("input is required", "input");
  // Only an explicit true truncates (see embeddings.h).
  const bool truncate = Fields(b).boolean("truncate").value_or(false);
  check_dimensions(b, model.n_embd());
  auto inputs = embedding_inputs(b["input"], model, limits, /*allow_ids=*/false);
  fit_context(inputs, model.scheduler().n_ctx(), truncate);
  EmbeddingRender render;
  render.done = [started, load = req.model_load_wait, id = model.id()](const EmbeddingResults& res) {
    const auto ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - started).count();
    return json{{"model", id},
                {"embeddings", res.vectors},
                {"total_duration", ns},
                {"load_duration", load.count()},
                {"prompt_eval_count", res.prompt_tokens}}
        .dump();
  };
  render.error = [](const std::string& message) { return ollama::error_body(ApiError(500, "server_error", message)); };
  return job_reply(model, limits, std::move(inputs), std::move(render));
}

}  // namespace hearth::server
