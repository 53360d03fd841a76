#include "model/convert/hf_vocab.h"

#include <map>
#include <optional>

#include "core/error.h"
#include "core/file_text.h"
#include "model/convert/hf_tokenizer_json.h"
#include "model/convert/sentencepiece_proto.h"

namespace hearth::model::convert {

namespace {

using gguf::Value;
using gguf::ValueType;
using nlohmann::json;

void read_spm(VocabBuild& v, const std::filesystem::path& path) {
  const std::string bytes = read_file_text(path, "tokenizer model");
  const auto spm = parse_sentencepiece_model(
      {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, path.string());
  v.model = "llama";
  for (const auto& p : spm.pieces) {
    v.tokens.push_back(p.piece);
    v.scores.push_back(p.score);
    v.types.push_back(p.type);
  }
  v.add_space_prefix = spm.add_dummy_prefix;
}

// "bos_token": "<s>" or {"content": "<s>", ...}.
std::optional<std::string> token_text(const json& cfg, const char* key) {
  if (!cfg.contains(key)) return std::nullopt;
  const json& t = cfg[key];
  if (t.is_string()) return t.get<std::string>();
  if (t.is_object() && t.contains("content") && t["content"].is_string()) return t["content"].get<std::string>();
  return std::nullopt;
}

std::optional<std::string> chat_template(const std::filesystem::path& dir, const json& cfg) {
  if (std::filesystem::exists(dir / "chat_template.jinja")) return read_file_text(dir / "chat_template.jinja", "chat template");
  if (!cfg.contains("chat_template")) return std::nullopt;
  const json& t = cfg["chat_template"];
  if (t.is_string()) return t.get<std::string>();
  if (t.is_array()) {  // named templates: the "default" one, else the first
    for (const auto& e : t) {
      if (e.value("name", std::string()) == "default" && e.contains("template")) return e["template"].get<std::string>();
    }
    if (!t.empty() && t[0].contains("template")) return t[0]["template"].get<std::string>();
  }
  return std::nullopt;
}

Value string_array(const std::vector<std::string>& items) {
  std::vector<Value> vals;
  vals.reserve(items.size());
  for (const auto& s : items) vals.push_back(Value::string(s));
  return Value::array(ValueType::STRING, std::move(vals));
}

}  // namespace

std::vector<gguf::KeyValue> read_hf_vocab(const std::filesystem::path& dir, const HfConfig& config,
                                          int64_t n_vocab) {
  VocabBuild v;
  const auto spm_path = dir / "tokenizer.model";
  const auto json_path = dir / "tokenizer.json";
  std::optional<json> tok;
  if (std::filesystem::exists(json_path)) tok = read_json_file(json_path);
  if (std::filesystem::exists(spm_path)) {
    v.source = spm_path.string();
    read_spm(v, spm_path);
    if (tok) {
      const size_t n = v.tokens.size();
      apply_added_tokens(v, *tok, n, json_path.string());
      v.add_bos = template_adds_bos(*tok);
    }
  } else if (tok) {
    v.source = json_path.string();
    read_tokenizer_json(v, *tok, v.source);
  } else {
    throw IoError(dir.string() + ": no tokenizer.json or tokenizer.model (copy the checkpoint's tokenizer files too)");
  }
  for (size_t i = 0; i < v.tokens.size(); ++i) {
    if (v.types[i] == 0) {  // a gap left by appended added tokens
      v.tokens[i] = "[PAD" + std::to_string(i) + "]";
      v.types[i] = kUnused;
    }
  }
  if (static_cast<int64_t>(v.tokens.size()) > n_vocab) {
    throw FormatError(v.source + ": the tokenizer has " + std::to_string(v.tokens.size()) +
                      " tokens but the token embedding has only " + std::to_string(n_vocab) + " rows");
  }
  while (static_cast<int64_t>(v.tokens.size()) < n_vocab) {
    v.tokens.push_back("[PAD" + std::to_string(v.tokens.size()) + "]");
    v.types.push_back(kUnused);
    if (v.model == "llama") v.scores.push_back(0.0f);
  }

  json cfg = json::object();
  if (std::filesystem::exists(dir / "tokenizer_config.json")) cfg = read_json_file(dir / "tokenizer_config.json");
  json gen = json::object();
  if (std::filesystem::exists(dir / "generation_config.json")) gen = read_json_file(dir / "generation_config.json");

  std::map<std::string, int64_t> index;
  for (size_t i = 0; i < v.tokens.size(); ++i) index.emplace(v.tokens[i], static_cast<int64_t>(i));
  auto named_id = [&](const char* key) -> std::optional<int64_t> {
    const auto text = token_text(cfg, key);
    if (!text) return std::nullopt;
    const auto it = index.find(*text);
    if (it == index.end()) {
      throw FormatError((dir / "tokenizer_config.json").string() + ": " + key + " \"" + *text +
                        "\" is not in the vocabulary");
    }
    return it->second;
  };
  auto config_id = [&](const char* key, std::optional<int64_t> from_config) -> std::optional<int64_t> {
    if (gen.contains(key)) {
      if (gen[key].is_number_integer()) return gen[key].get<int64_t>();
      if (gen[key].is_array() && !gen[key].empty() && gen[key][0].is_number_integer()) return gen[key][0].get<int64_t>();
    }
    return from_config;
  };
  std::optional<int64_t> bos = named_id("bos_token"), eos = named_id("eos_token");
  std::optional<int64_t> unk = named_id("unk_token"), pad = named_id("pad_token");
  if (!bos) bos = config_id("bos_token_id", config.bos_token_id);
  if (!eos) eos = config_id("eos_token_id", config.eos_token_id);
  if (!unk) {
    for (size_t i = 0; i < v.types.size(); ++i) {
      if (v.types[i] == kUnknown) {
        unk = static_cast<int64_t>(i);
        break;
      }
    }
  }

  std::vector<gguf::KeyValue> md;
  md.emplace_back("tokenizer.ggml.model", Value::string(v.model));
  if (v.model == "gpt2") md.emplace_back("tokenizer.ggml.pre", Value::string(v.pre));
  md.emplace_back("tokenizer.ggml.tokens", string_array(v.tokens));
  if (v.model == "llama") {
    std::vector<Value> scores;
    for (const float s : v.scores) scores.push_back(Value::f32(s));
    md.emplace_back("tokenizer.ggml.scores", Value::array(ValueType::F32, std::move(scores)));
  }
  std::vector<Value> types;
  for (const int32_t t : v.types) types.push_back(Value::signed_int(ValueType::I32, t));
  md.emplace_back("tokenizer.ggml.token_type", Value::array(ValueType::I32, std::move(types)));
  if (v.model == "gpt2") md.emplace_back("tokenizer.ggml.merges", string_array(v.merges));
  auto id_key = [&](const char* key, std::optional<int64_t> id) {
    if (!id) return;
    if (*id < 0 || *id >= n_vocab) {
      throw FormatError(dir.string() + ": " + key + " " + std::to_string(*id) + " is outside the vocabulary");
    }
    md.emplace_back(key, Value::unsigned_int(ValueType::U32, static_cast<uint64_t>(*id)));
  };
  id_key("tokenizer.ggml.bos_token_id", bos);
  id_key("tokenizer.ggml.eos_token_id", eos);
  id_key("tokenizer.ggml.unknown_token_id", unk);
  id_key("tokenizer.ggml.padding_token_id", pad);
  std::optional<bool> add_bos = v.add_bos;
  if (cfg.contains("add_bos_token") && cfg["add_bos_token"].is_boolean()) add_bos = cfg["add_bos_token"].get<bool>();
  if (add_bos) md.emplace_back("tokenizer.ggml.add_bos_token", Value::boolean(*add_bos));
  if (cfg.contains("add_eos_token") && cfg["add_eos_token"].is_boolean()) {
    md.emplace_back("tokenizer.ggml.add_eos_token", Value::boolean(cfg["add_eos_token"].get<bool>()));
  }
  if (v.model == "llama" && v.add_space_prefix) {
    md.emplace_back("tokenizer.ggml.add_space_prefix", Value::boolean(*v.add_space_prefix));
  }
  if (const auto t = chat_template(dir, cfg)) md.emplace_back("tokenizer.chat_template", Value::string(*t));
  return md;
}

}  // namespace hearth::model::convert
