#include "model/convert/hf_tokenizer_json.h"

#include <map>

#include "core/error.h"

namespace hearth::model::convert {

namespace {

using nlohmann::json;

// Split patterns of the pre-tokenizers hearth knows, as tokenizer.json
// spells them (the regex of the Split step), and their tokenizer.ggml.pre names.
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

// Every object in `j` (itself included, depth first) whose "type" is `type`.
void find_typed(const json& j, const std::string& type, std::vector<const json*>& out) {
  if (j.is_object()) {
    if (j.contains("type") && j["type"] == type) out.push_back(&j);
    for (const auto& [k, v] : j.items()) find_typed(v, type, out);
  } else if (j.is_array()) {
    for (const auto& v : j) find_typed(v, type, out);
  }
}

// The pre-tokenizer's name from its one Split regex (or ByteLevel's own split).
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

// Sets token `id`, growing the vocabulary (new slots are gaps, type 0).
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

// Whether the normalizer or pre-tokenizer puts "\u2581" before the text (SentencePiece's dummy prefix).
bool prepends_space(const json& tok) {
  const json normalizer = tok.value("normalizer", json()), pre = tok.value("pre_tokenizer", json());
  std::vector<const json*> found;  // points into the two above
  find_typed(normalizer, "Prepend", found);
  if (!found.empty()) return true;
  find_typed(pre, "Metaspace", found);
  for (const json* m : found) {
    if (m->value("add_prefix_space", false)) return true;
    const std::string scheme = m->value("prepend_scheme", std::string());
    if (scheme == "first" || scheme == "always") return true;
  }
  return false;
}

}  // namespace

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
  const json post = tok.value("post_processor", json());  // find_typed points into it
  std::vector<const json*> tp;
  find_typed(post, "TemplateProcessing", tp);
  if (tp.size() != 1 || !tp[0]->contains("single") || !(*tp[0])["single"].is_array() || (*tp[0])["single"].empty()) {
    return std::nullopt;
  }
  return (*tp[0])["single"][0].contains("SpecialToken");
}

void read_tokenizer_json(VocabBuild& v, const json& tok, const std::string& source) {
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

}  // namespace hearth::model::convert
