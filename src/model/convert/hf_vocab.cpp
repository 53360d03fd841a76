#include "model/convert/hf_vocab.h"

#include <fstream>
#include <iterator>
#include <map>
#include <optional>

#include "core/error.h"
#include "model/convert/sentencepiece_proto.h"

namespace hearth::model::convert {

namespace {

using gguf::Value;
using gguf::ValueType;
using nlohmann::json;

// GGUF tokenizer.ggml.token_type numbers (the same as SentencePiece's).
enum TokenType : int32_t { kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kUnused = 5, kByte = 6 };

struct VocabBuild {
  std::string model;                 // "llama" or "gpt2"
  std::vector<std::string> tokens;
  std::vector<float> scores;         // "llama" only
  std::vector<int32_t> types;
  std::vector<std::string> merges;   // "gpt2" only
  std::string pre;                   // "gpt2" only
  std::optional<bool> add_space_prefix;
  std::optional<bool> add_bos;       // from tokenizer.json's post-processor
  std::string source;                // file the vocabulary came from
};

// Split patterns of the pre-tokenizers hearth knows, as tokenizer.json
// spells them (the regex of the Split step).
struct KnownPre {
  const char* name;
  const char* regex;
};
constexpr KnownPre kKnownPre[] = {
    {"llama-bpe",
     R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)"},
    {"qwen2",
     R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)"},
    {"gpt-2", R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)"},
};

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw IoError(p.string() + ": cannot open");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Every object in `j` (itself included, depth first) whose "type" is `type`.
void find_typed(const json& j, const std::string& type, std::vector<const json*>& out) {
  if (j.is_object()) {
    if (j.contains("type") && j["type"] == type) out.push_back(&j);
    for (const auto& [k, v] : j.items()) find_typed(v, type, out);
  } else if (j.is_array()) {
    for (const auto& v : j) find_typed(v, type, out);
  }
}

std::string detect_pre(const json& tok, const std::string& source) {
  const json pre = tok.value("pre_tokenizer", json());
  std::vector<const json*> splits, byte_level;
  find_typed(pre, "Split", splits);
  find_typed(pre, "ByteLevel", byte_level);
  std::string pattern;
  if (splits.size() == 1 && (*splits[0]).contains("pattern") && (*splits[0])["pattern"].is_object()) {
    const json& p = (*splits[0])["pattern"];
    if (p.contains("Regex") && p["Regex"].is_string()) pattern = p["Regex"].get<std::string>();
  } else if (splits.empty() && byte_level.size() == 1 && byte_level[0]->value("use_regex", true)) {
    return "gpt-2";  // ByteLevel's built-in split is GPT-2's
  }
  for (const auto& k : kKnownPre) {
    if (pattern == k.regex) return k.name;
  }
  std::string known;
  for (const auto& k : kKnownPre) known += (known.empty() ? "" : ", ") + std::string(k.name);
  throw UnsupportedError(source + ": the pre-tokenizer" +
                         (pattern.empty() ? std::string() : " (split regex " + pattern + ")") +
                         " is not one hearth knows (" + known + ")");
}

// tokenizer.json merges: "a b" strings (older files) or ["a", "b"] pairs.
std::pair<std::string, std::string> merge_pair(const json& m, const std::string& source) {
  if (m.is_string()) {
    const std::string s = m.get<std::string>();
    const size_t sp = s.find(' ', 1);
    if (sp == std::string::npos) throw FormatError(source + ": merge \"" + s + "\" is not two tokens");
    return {s.substr(0, sp), s.substr(sp + 1)};
  }
  if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
    return {m[0].get<std::string>(), m[1].get<std::string>()};
  }
  throw FormatError(source + ": a merge is neither \"a b\" nor [\"a\", \"b\"]");
}

void set_token(VocabBuild& v, int64_t id, std::string text, int32_t type, const std::string& source) {
  if (id < 0 || id >= (int64_t{1} << 22)) throw FormatError(source + ": token id " + std::to_string(id) + " is out of range");
  const auto i = static_cast<size_t>(id);
  if (i >= v.tokens.size()) {
    v.tokens.resize(i + 1);
    v.types.resize(i + 1, 0);
    if (v.model == "llama") v.scores.resize(i + 1, 0.0f);
  }
  v.tokens[i] = std::move(text);
  v.types[i] = type;
}

// Added tokens: special ones are control tokens, others user-defined. In a
// SentencePiece vocabulary the pieces' own types win (added_tokens repeats
// <unk>, <s>, </s>); new ids are appended with a low score.
void apply_added_tokens(VocabBuild& v, const json& tok, size_t keep_below, const std::string& source) {
  if (!tok.contains("added_tokens")) return;
  for (const auto& a : tok["added_tokens"]) {
    if (!a.is_object() || !a.contains("id") || !a["id"].is_number_integer() || !a.contains("content") ||
        !a["content"].is_string()) {
      throw FormatError(source + ": an added_tokens entry lacks an integer id or a content string");
    }
    const int64_t id = a["id"].get<int64_t>();
    if (id >= 0 && static_cast<size_t>(id) < keep_below) continue;
    const auto i = static_cast<size_t>(id);
    const bool unknown = id >= 0 && i < v.types.size() && v.types[i] == kUnknown;  // <unk> stays unknown
    set_token(v, id, a["content"].get<std::string>(),
              unknown ? kUnknown : a.value("special", false) ? kControl : kUserDefined, source);
    if (v.model == "llama") v.scores[static_cast<size_t>(id)] = -1000.0f;
  }
}

std::optional<bool> template_adds_bos(const json& tok) {
  std::vector<const json*> tp;
  find_typed(tok.value("post_processor", json()), "TemplateProcessing", tp);
  if (tp.size() != 1 || !tp[0]->contains("single") || !(*tp[0])["single"].is_array() || (*tp[0])["single"].empty()) {
    return std::nullopt;
  }
  return (*tp[0])["single"][0].contains("SpecialToken");
}

bool prepends_space(const json& tok) {
  std::vector<const json*> found;
  find_typed(tok.value("normalizer", json()), "Prepend", found);
  if (!found.empty()) return true;
  find_typed(tok.value("pre_tokenizer", json()), "Metaspace", found);
  for (const json* m : found) {
    if (m->value("add_prefix_space", false)) return true;
    const std::string scheme = m->value("prepend_scheme", std::string());
    if (scheme == "first" || scheme == "always") return true;
  }
  return false;
}

void read_bpe_json(VocabBuild& v, const json& tok, const std::string& source) {
  if (!tok.is_object() || !tok.contains("model") || !tok["model"].is_object()) {
    throw FormatError(source + ": no \"model\" object");
  }
  const json& m = tok["model"];
  const std::string type = m.value("type", std::string("BPE"));
  if (type != "BPE") {
    throw UnsupportedError(source + ": tokenizer model \"" + type +
                           "\" is not supported (hearth converts BPE tokenizer.json or a tokenizer.model)");
  }
  if (!m.contains("vocab") || !m["vocab"].is_object()) throw FormatError(source + ": model.vocab is not an object");
  const bool byte_fallback = m.value("byte_fallback", false);
  v.model = byte_fallback ? "llama" : "gpt2";
  const std::string unk = m.contains("unk_token") && m["unk_token"].is_string() ? m["unk_token"].get<std::string>() : "";
  for (const auto& [text, id] : m["vocab"].items()) {
    if (!id.is_number_integer()) throw FormatError(source + ": the id of token \"" + text + "\" is not an integer");
    int32_t t = kNormal;
    if (byte_fallback && text.size() == 6 && text.rfind("<0x", 0) == 0 && text.back() == '>') t = kByte;
    if (text == unk) t = kUnknown;
    set_token(v, id.get<int64_t>(), text, t, source);
  }
  apply_added_tokens(v, tok, 0, source);
  for (size_t i = 0; i < v.tokens.size(); ++i) {
    if (v.types[i] == 0) throw FormatError(source + ": token id " + std::to_string(i) + " is missing from the vocabulary");
  }
  const json merges = m.value("merges", json::array());
  if (byte_fallback) {
    // Score of a merge's result: -rank, so the BPE's earliest merge is the
    // SentencePiece merge of highest score. Normal tokens no merge makes
    // score below every merge (the BPE never forms them).
    std::map<std::string, int64_t> index;
    for (size_t i = 0; i < v.tokens.size(); ++i) index.emplace(v.tokens[i], static_cast<int64_t>(i));
    std::vector<bool> scored(v.tokens.size(), false);
    for (size_t i = 0; i < v.tokens.size(); ++i) {
      if (v.types[i] == kNormal) v.scores[i] = -static_cast<float>(merges.size()) - 1.0f;
    }
    for (size_t r = 0; r < merges.size(); ++r) {
      const auto [a, b] = merge_pair(merges[r], source);
      const auto it = index.find(a + b);
      if (it == index.end()) throw FormatError(source + ": merge \"" + a + " " + b + "\" makes a token not in the vocabulary");
      const auto i = static_cast<size_t>(it->second);
      if (!scored[i]) v.scores[i] = -static_cast<float>(r);
      scored[i] = true;
    }
    v.add_space_prefix = prepends_space(tok);
  } else {
    for (const auto& mg : merges) {
      const auto [a, b] = merge_pair(mg, source);
      v.merges.push_back(a + " " + b);
    }
    v.pre = detect_pre(tok, source);
  }
  v.add_bos = template_adds_bos(tok);
}

void read_spm(VocabBuild& v, const std::filesystem::path& path) {
  const std::string bytes = read_file(path);
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
  if (std::filesystem::exists(dir / "chat_template.jinja")) return read_file(dir / "chat_template.jinja");
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
    read_bpe_json(v, *tok, v.source);
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
