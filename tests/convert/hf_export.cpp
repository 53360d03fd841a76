#include "hf_export.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <stdexcept>

#include "core/fp16.h"

namespace hearth::test {

namespace {

using nlohmann::json;

// GGUF -> HF names, written from the HF module layout (the inverse of what
// the converter must do).
std::string hf_name(const std::string& g) {
  static const std::map<std::string, std::string> global = {
      {"token_embd.weight", "model.embed_tokens.weight"},
      {"output_norm.weight", "model.norm.weight"},
      {"output.weight", "lm_head.weight"}};
  static const std::map<std::string, std::string> layer = {
      {"attn_q", "self_attn.q_proj"},       {"attn_k", "self_attn.k_proj"},
      {"attn_v", "self_attn.v_proj"},       {"attn_output", "self_attn.o_proj"},
      {"attn_q_norm", "self_attn.q_norm"},  {"attn_k_norm", "self_attn.k_norm"},
      {"ffn_gate", "mlp.gate_proj"},        {"ffn_up", "mlp.up_proj"},
      {"ffn_down", "mlp.down_proj"},        {"attn_norm", "input_layernorm"},
      {"ffn_norm", "post_attention_layernorm"}};
  if (global.count(g)) return global.at(g);
  // blk.N.NAME.SUFFIX
  const size_t a = g.find('.', 4), b = g.rfind('.');
  const std::string n = g.substr(4, a - 4), base = g.substr(a + 1, b - a - 1), suffix = g.substr(b);
  if (g.rfind("blk.", 0) != 0 || !layer.count(base)) throw std::runtime_error("no HF name for " + g);
  return "model.layers." + n + "." + layer.at(base) + suffix;
}

void put_varint(std::vector<uint8_t>& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<uint8_t>(v));
}

void put_bytes_field(std::vector<uint8_t>& out, uint32_t field, const std::vector<uint8_t>& bytes) {
  put_varint(out, (uint64_t{field} << 3) | 2);
  put_varint(out, bytes.size());
  out.insert(out.end(), bytes.begin(), bytes.end());
}

std::vector<uint8_t> encode_floats(const std::vector<float>& v, const std::string& dtype) {
  std::vector<uint8_t> out;
  if (dtype == "F32") {
    out.resize(v.size() * 4);
    std::memcpy(out.data(), v.data(), out.size());
    return out;
  }
  out.resize(v.size() * 2);
  for (size_t i = 0; i < v.size(); ++i) {
    const uint16_t h = dtype == "F16" ? fp32_to_fp16(v[i]) : fp32_to_bf16(v[i]);
    std::memcpy(out.data() + 2 * i, &h, 2);
  }
  return out;
}

// Undoes GGUF llama's adjacent rotary pairs: GGUF row (head, 2i + side) is HF
// row (head, side * d/2 + i).
std::vector<float> to_hf_rotary_order(const std::vector<float>& g, int64_t n_head, int64_t head_dim, int64_t row) {
  std::vector<float> hf(g.size());
  for (int64_t h = 0; h < n_head; ++h) {
    for (int64_t i = 0; i < head_dim / 2; ++i) {
      for (int64_t side = 0; side < 2; ++side) {
        const int64_t from = h * head_dim + 2 * i + side, to = h * head_dim + side * (head_dim / 2) + i;
        std::copy_n(g.begin() + from * row, row, hf.begin() + to * row);
      }
    }
  }
  return hf;
}

std::vector<std::string> utf8_chars(const std::string& s) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size();) {
    size_t n = 1;
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0xf0) n = 4; else if (c >= 0xe0) n = 3; else if (c >= 0xc0) n = 2;
    out.push_back(s.substr(i, n));
    i += n;
  }
  return out;
}

}  // namespace

std::vector<uint8_t> safetensors_bytes(const std::vector<StTensor>& tensors) {
  json header = json::object();
  header["__metadata__"] = {{"format", "pt"}};
  uint64_t at = 0;
  for (const auto& t : tensors) {
    header[t.name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {at, at + t.bytes.size()}}};
    at += t.bytes.size();
  }
  std::string text = header.dump();
  while (text.size() % 8 != 0) text += ' ';
  std::vector<uint8_t> out;
  for (int b = 0; b < 8; ++b) out.push_back(static_cast<uint8_t>(static_cast<uint64_t>(text.size()) >> (8 * b)));
  out.insert(out.end(), text.begin(), text.end());
  for (const auto& t : tensors) out.insert(out.end(), t.bytes.begin(), t.bytes.end());
  return out;
}

void write_file(const std::filesystem::path& p, const std::vector<uint8_t>& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + p.string());
}

void write_json(const std::filesystem::path& p, const json& j) {
  const std::string text = j.dump(2);
  write_file(p, std::vector<uint8_t>(text.begin(), text.end()));
}

std::vector<uint8_t> sentencepiece_bytes(const std::vector<std::string>& pieces, const std::vector<float>& scores,
                                         const std::vector<int32_t>& types) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i < pieces.size(); ++i) {
    std::vector<uint8_t> p;
    put_bytes_field(p, 1, std::vector<uint8_t>(pieces[i].begin(), pieces[i].end()));
    put_varint(p, (2 << 3) | 5);  // score: fixed32
    uint32_t bits;
    std::memcpy(&bits, &scores[i], 4);
    for (int b = 0; b < 4; ++b) p.push_back(static_cast<uint8_t>(bits >> (8 * b)));
    if (types[i] != 1) {  // NORMAL is the default and left out, as protobuf does
      put_varint(p, 3 << 3);
      put_varint(p, static_cast<uint64_t>(types[i]));
    }
    put_bytes_field(out, 1, p);
  }
  // A trainer_spec (skipped by the reader) and a normalizer_spec with
  // add_dummy_prefix = true.
  std::vector<uint8_t> trainer;
  put_varint(trainer, (3 << 3) | 0);
  put_varint(trainer, 2);
  put_bytes_field(trainer, 1, {'x', '.', 't', 'x', 't'});
  put_bytes_field(out, 2, trainer);
  std::vector<uint8_t> normalizer;
  put_bytes_field(normalizer, 1, {'i', 'd', 'e', 'n', 't', 'i', 't', 'y'});
  put_varint(normalizer, 3 << 3);
  put_varint(normalizer, 1);
  put_bytes_field(out, 3, normalizer);
  return out;
}

json tokenizer_json(const gguf::File& vocab, TokenizerFiles kind, const std::string& pre_regex) {
  const auto tokens = *vocab.get_string_array("tokenizer.ggml.tokens");
  const auto types = *vocab.get_int_array("tokenizer.ggml.token_type");
  json added = json::array();
  json v = json::object();
  for (size_t i = 0; i < tokens.size(); ++i) {
    v[tokens[i]] = i;
    if (types[i] == 3 || types[i] == 4 || (kind == TokenizerFiles::SpmStyleJson && types[i] == 2)) {
      added.push_back({{"id", i}, {"content", tokens[i]}, {"single_word", false}, {"lstrip", false},
                       {"rstrip", false}, {"normalized", false}, {"special", types[i] != 4}});
    }
  }
  if (v.size() != tokens.size()) throw std::runtime_error("the vocab repeats a token");
  json t;
  t["version"] = "1.0";
  t["added_tokens"] = added;
  json merges = json::array();
  if (kind == TokenizerFiles::ByteLevelJson) {
    const auto all_merges = *vocab.get_string_array("tokenizer.ggml.merges");
    for (const auto& m : all_merges) {
      const size_t sp = m.find(' ', 1);
      merges.push_back({m.substr(0, sp), m.substr(sp + 1)});  // the newer pair form
    }
    t["normalizer"] = nullptr;
    t["pre_tokenizer"] = {{"type", "Sequence"},
                          {"pretokenizers",
                           {{{"type", "Split"}, {"pattern", {{"Regex", pre_regex}}}, {"behavior", "Isolated"}, {"invert", false}},
                            {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", false}}}}};
    t["model"] = {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr}, {"byte_fallback", false},
                  {"vocab", v}, {"merges", merges}};
    return t;
  }
  // SentencePiece-style: every split of a normal token into two tokens is a
  // merge, ranked by the token's score (highest first), as HF's converter does.
  const auto scores = *vocab.get_float_array("tokenizer.ggml.scores");
  struct M { float score; size_t id; std::string a, b; };
  std::vector<M> ms;
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < tokens.size(); ++i) index.emplace(tokens[i], i);
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (types[i] != 1) continue;
    const auto chars = utf8_chars(tokens[i]);
    std::string a;
    for (size_t k = 0; k + 1 < chars.size(); ++k) {
      a += chars[k];
      const std::string b = tokens[i].substr(a.size());
      // Symbols start as single characters, in the vocabulary or not.
      const bool a_ok = index.count(a) || k == 0, b_ok = index.count(b) || k + 2 == chars.size();
      if (a_ok && b_ok) ms.push_back({scores[i], i, a, b});
    }
  }
  std::stable_sort(ms.begin(), ms.end(), [](const M& x, const M& y) { return x.score > y.score || (x.score == y.score && x.id < y.id); });
  for (const auto& m : ms) merges.push_back(m.a + " " + m.b);  // the older string form
  t["normalizer"] = {{"type", "Sequence"},
                     {"normalizers", {{{"type", "Prepend"}, {"prepend", "\xe2\x96\x81"}},
                                      {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "\xe2\x96\x81"}}}}};
  t["pre_tokenizer"] = nullptr;
  t["post_processor"] = {{"type", "TemplateProcessing"},
                         {"single", {{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}}, {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}}};
  t["model"] = {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", "<unk>"}, {"byte_fallback", true},
                {"fuse_unk", true}, {"vocab", v}, {"merges", merges}};
  return t;
}

void export_hf(const gguf::File& g, const std::filesystem::path& dir, const ExportOptions& o) {
  std::filesystem::create_directories(dir);
  const std::string a = g.architecture();
  const auto u = [&](const std::string& k) { return static_cast<int64_t>(*g.get_uint(a + "." + k)); };
  const int64_t n_embd = u("embedding_length"), n_head = u("attention.head_count"), n_head_kv = u("attention.head_count_kv");
  const int64_t head_dim = g.has(a + ".attention.key_length") ? u("attention.key_length") : n_embd / n_head;
  const bool tied = g.find_tensor("output.weight") == nullptr;

  json cfg;
  cfg["architectures"] = {a == "llama" ? "LlamaForCausalLM" : a == "qwen2" ? "Qwen2ForCausalLM" : "Qwen3ForCausalLM"};
  cfg["model_type"] = a;
  cfg["vocab_size"] = g.find_tensor("token_embd.weight")->shape[1];
  cfg["hidden_size"] = n_embd;
  cfg["num_hidden_layers"] = u("block_count");
  cfg["num_attention_heads"] = n_head;
  cfg["num_key_value_heads"] = n_head_kv;
  cfg["intermediate_size"] = u("feed_forward_length");
  cfg["max_position_embeddings"] = u("context_length");
  if (g.has(a + ".attention.key_length")) cfg["head_dim"] = head_dim;
  cfg["rope_theta"] = *g.get_float(a + ".rope.freq_base");
  cfg["rms_norm_eps"] = *g.get_float(a + ".attention.layer_norm_rms_epsilon");
  cfg["tie_word_embeddings"] = tied;
  cfg["torch_dtype"] = o.dtype == "F32" ? "float32" : o.dtype == "F16" ? "float16" : "bfloat16";
  cfg["bos_token_id"] = *g.get_uint("tokenizer.ggml.bos_token_id");
  cfg["eos_token_id"] = *g.get_uint("tokenizer.ggml.eos_token_id");
  write_json(dir / "config.json", cfg);

  std::vector<StTensor> all;
  for (const auto& t : g.tensors()) {
    if (t.type != TensorType::F32) throw std::runtime_error("export_hf needs an F32 GGUF");
    std::vector<float> f(t.n_elements);
    std::memcpy(f.data(), t.data, t.n_bytes);
    const bool q = t.name.find(".attn_q.") != std::string::npos, k = t.name.find(".attn_k.") != std::string::npos;
    if (a == "llama" && (q || k)) {
      f = to_hf_rotary_order(f, q ? n_head : n_head_kv, head_dim, static_cast<int64_t>(t.shape.size() == 2 ? t.shape[0] : 1));
    }
    StTensor s;
    s.name = hf_name(t.name);
    s.shape.assign(t.shape.rbegin(), t.shape.rend());
    s.dtype = t.shape.size() == 2 ? o.dtype : "F32";
    s.bytes = encode_floats(f, s.dtype);
    all.push_back(std::move(s));
  }
  if (o.shards <= 1) {
    write_file(dir / "model.safetensors", safetensors_bytes(all));
  } else {
    json index;
    uint64_t total = 0;
    const size_t per = (all.size() + static_cast<size_t>(o.shards) - 1) / static_cast<size_t>(o.shards);
    for (int s = 0; s < o.shards; ++s) {
      char name[64];
      std::snprintf(name, sizeof name, "model-%05d-of-%05d.safetensors", s + 1, o.shards);
      std::vector<StTensor> part;
      for (size_t i = static_cast<size_t>(s) * per; i < std::min(all.size(), (static_cast<size_t>(s) + 1) * per); ++i) {
        index["weight_map"][all[i].name] = name;
        total += all[i].bytes.size();
        part.push_back(all[i]);
      }
      write_file(dir / name, safetensors_bytes(part));
    }
    index["metadata"]["total_size"] = total;
    write_json(dir / "model.safetensors.index.json", index);
  }

  if (o.tokenizer == TokenizerFiles::SentencePieceModel) {
    const auto pieces = *g.get_string_array("tokenizer.ggml.tokens");
    const auto scores = *g.get_float_array("tokenizer.ggml.scores");
    const auto types64 = *g.get_int_array("tokenizer.ggml.token_type");
    const std::vector<int32_t> types(types64.begin(), types64.end());
    write_file(dir / "tokenizer.model", sentencepiece_bytes(pieces, scores, types));
  } else {
    write_json(dir / "tokenizer.json", tokenizer_json(g, o.tokenizer, ""));
  }
  json tc;
  const auto tokens = *g.get_string_array("tokenizer.ggml.tokens");
  tc["bos_token"] = {{"content", tokens[*g.get_uint("tokenizer.ggml.bos_token_id")]}, {"special", true}};
  tc["eos_token"] = tokens[*g.get_uint("tokenizer.ggml.eos_token_id")];
  tc["add_bos_token"] = g.get_bool("tokenizer.ggml.add_bos_token").value_or(true);
  tc["add_eos_token"] = g.get_bool("tokenizer.ggml.add_eos_token").value_or(false);
  if (!o.chat_template.empty()) tc["chat_template"] = o.chat_template;
  write_json(dir / "tokenizer_config.json", tc);
}

}  // namespace hearth::test
