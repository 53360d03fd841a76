#include "model/convert/hf_config.h"

#include "core/error.h"
#include "core/file_text.h"

namespace hearth::model::convert {

namespace {

struct Family {
  const char* model_type;
  const char* arch;
};
constexpr Family kFamilies[] = {
    {"llama", "llama"}, {"mistral", "llama"}, {"qwen2", "qwen2"}, {"qwen3", "qwen3"}};

int64_t positive(const nlohmann::json& j, const char* key, const std::string& source,
                 std::optional<int64_t> fallback = std::nullopt) {
  if (!j.contains(key) || j[key].is_null()) {
    if (fallback) return *fallback;
    throw FormatError(source + ": missing \"" + key + "\"");
  }
  if (!j[key].is_number_integer() || j[key].get<int64_t>() <= 0 || j[key].get<int64_t>() > (int64_t{1} << 40)) {
    throw FormatError(source + ": \"" + key + "\" is not a positive integer");
  }
  return j[key].get<int64_t>();
}

double number(const nlohmann::json& j, const char* key, const std::string& source, double fallback) {
  if (!j.contains(key) || j[key].is_null()) return fallback;
  if (!j[key].is_number()) throw FormatError(source + ": \"" + key + "\" is not a number");
  return j[key].get<double>();
}

// First id of an int or a list of ints (generation configs list several EOS).
std::optional<int64_t> token_id(const nlohmann::json& j, const char* key) {
  if (!j.contains(key)) return std::nullopt;
  const auto& v = j[key];
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_array() && !v.empty() && v[0].is_number_integer()) return v[0].get<int64_t>();
  return std::nullopt;
}

std::optional<HfRopeScaling> rope_scaling(const nlohmann::json& j, const std::string& source) {
  if (!j.contains("rope_scaling") || j["rope_scaling"].is_null()) return std::nullopt;
  const auto& r = j["rope_scaling"];
  if (!r.is_object()) throw FormatError(source + ": \"rope_scaling\" is not an object");
  HfRopeScaling s;
  const char* type_key = r.contains("rope_type") ? "rope_type" : "type";
  if (!r.contains(type_key) || !r[type_key].is_string()) {
    throw FormatError(source + ": \"rope_scaling\" has no \"rope_type\"");
  }
  s.type = r[type_key].get<std::string>();
  if (s.type == "default") return std::nullopt;
  if (s.type != "linear" && s.type != "llama3") {
    throw UnsupportedError(source + ": rope scaling \"" + s.type +
                           "\" is not supported (hearth converts linear and llama3)");
  }
  s.factor = number(r, "factor", source + " rope_scaling", 1.0);
  s.low_freq_factor = number(r, "low_freq_factor", source + " rope_scaling", 1.0);
  s.high_freq_factor = number(r, "high_freq_factor", source + " rope_scaling", 4.0);
  s.original_context = positive(r, "original_max_position_embeddings", source + " rope_scaling", 8192);
  return s;
}

}  // namespace

nlohmann::json read_json_file(const std::filesystem::path& path) {
  const std::string text = read_file_text(path, "JSON file");
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(path.string() + ": not valid JSON: " + e.what());
  }
}

HfConfig read_hf_config(const std::filesystem::path& dir) {
  const auto path = dir / "config.json";
  if (!std::filesystem::exists(path)) {
    throw IoError(path.string() + ": not found (a Hugging Face model directory holds config.json, "
                  "tokenizer files and *.safetensors)");
  }
  const nlohmann::json j = read_json_file(path);
  const std::string source = path.string();
  if (!j.is_object()) throw FormatError(source + ": not a JSON object");
  HfConfig c;
  if (!j.contains("model_type") || !j["model_type"].is_string()) {
    throw FormatError(source + ": missing \"model_type\"");
  }
  c.model_type = j["model_type"].get<std::string>();
  std::string known;
  for (const auto& f : kFamilies) {
    if (c.model_type == f.model_type) c.arch = f.arch;
    known += (known.empty() ? "" : ", ") + std::string(f.model_type);
  }
  if (c.arch.empty()) {
    throw UnsupportedError(source + ": model_type \"" + c.model_type +
                           "\" is not supported (hearth converts " + known + ")");
  }
  c.vocab_size = positive(j, "vocab_size", source);
  c.hidden_size = positive(j, "hidden_size", source);
  c.n_layer = positive(j, "num_hidden_layers", source);
  c.n_head = positive(j, "num_attention_heads", source);
  c.n_head_kv = positive(j, "num_key_value_heads", source, c.n_head);
  c.n_ff = positive(j, "intermediate_size", source);
  if (c.n_head % c.n_head_kv != 0) {
    throw FormatError(source + ": num_attention_heads is not a multiple of num_key_value_heads");
  }
  if (!j.contains("head_dim") && c.hidden_size % c.n_head != 0) {
    throw FormatError(source + ": hidden_size is not a multiple of num_attention_heads and there is no head_dim");
  }
  c.head_dim = positive(j, "head_dim", source, c.hidden_size / c.n_head);
  if (c.permute_qk() && c.head_dim % 2 != 0) throw FormatError(source + ": head_dim is odd");
  c.context_length = positive(j, "max_position_embeddings", source, 2048);
  c.rope_theta = number(j, "rope_theta", source, 10000.0);
  c.rms_norm_eps = number(j, "rms_norm_eps", source, 1e-6);
  if (j.contains("tie_word_embeddings") && j["tie_word_embeddings"].is_boolean()) {
    c.tie_word_embeddings = j["tie_word_embeddings"].get<bool>();
  }
  c.rope_scaling = rope_scaling(j, source);
  c.bos_token_id = token_id(j, "bos_token_id");
  c.eos_token_id = token_id(j, "eos_token_id");
  return c;
}

}  // namespace hearth::model::convert
