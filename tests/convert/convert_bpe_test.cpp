// `hearth convert` of byte-level BPE tokenizers (tokenizer.json as Qwen2 and
// Llama 3 ship it): the tokenizer written from the reference's vocab files
// (tests/data/vocab) must come back as the same GGUF tokenizer — tokens,
// types, merges, the pre-tokenizer name — and tokenize the reference's test
// strings to the reference's ids. The weights are a small random model so
// the checkpoint stays a few MB; the converted model must also run. (The
// sanitizer build instruments the CLI binary too: these runs check the
// tokenizer.json reader under ASan and UBSan; an in-process copy of the Qwen2
// case, kept for that before, cost CI 35 s under ASan for nothing more.)
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/fp16.h"
#include "gguf/file.h"
#include "hf_export.h"
#include "test_data.h"

namespace {

namespace fs = std::filesystem;
using hearth::gguf::File;
using hearth::test::data_path;
using hearth::test::run_hearth;
using hearth::test::StTensor;

// The split regexes as these families' tokenizer.json files spell them.
constexpr const char* kQwen2Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kLlama3Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

StTensor random_bf16(const std::string& name, std::vector<uint64_t> shape, std::mt19937& rng) {
  std::normal_distribution<float> dist(0.0f, 0.05f);
  uint64_t n = 1;
  for (const auto d : shape) n *= d;
  StTensor t{name, "BF16", std::move(shape), {}};
  for (uint64_t i = 0; i < n; ++i) {
    const uint16_t b = hearth::fp32_to_bf16(name.find("norm") != std::string::npos ? 1.0f : dist(rng));
    t.bytes.push_back(static_cast<uint8_t>(b));
    t.bytes.push_back(static_cast<uint8_t>(b >> 8));
  }
  return t;
}

// A one-layer model of `arch` (hidden 16, 2 heads of 8, 1 KV head) over `n_vocab` tokens.
void write_small_model(const fs::path& dir, const std::string& arch, uint64_t n_vocab) {
  std::mt19937 rng(3);
  nlohmann::json cfg = {{"model_type", arch}, {"vocab_size", n_vocab}, {"hidden_size", 16},
                        {"num_hidden_layers", 1}, {"num_attention_heads", 2}, {"num_key_value_heads", 1},
                        {"intermediate_size", 32}, {"max_position_embeddings", 256}, {"rope_theta", 500000.0},
                        {"rms_norm_eps", 1e-5}, {"tie_word_embeddings", true}};
  hearth::test::write_json(dir / "config.json", cfg);
  const std::string l = "model.layers.0.";
  std::vector<StTensor> ts = {
      random_bf16("model.embed_tokens.weight", {n_vocab, 16}, rng), random_bf16("model.norm.weight", {16}, rng),
      random_bf16(l + "input_layernorm.weight", {16}, rng),        random_bf16(l + "post_attention_layernorm.weight", {16}, rng),
      random_bf16(l + "self_attn.q_proj.weight", {16, 16}, rng),   random_bf16(l + "self_attn.k_proj.weight", {8, 16}, rng),
      random_bf16(l + "self_attn.v_proj.weight", {8, 16}, rng),    random_bf16(l + "self_attn.o_proj.weight", {16, 16}, rng),
      random_bf16(l + "mlp.gate_proj.weight", {32, 16}, rng),      random_bf16(l + "mlp.up_proj.weight", {32, 16}, rng),
      random_bf16(l + "mlp.down_proj.weight", {16, 32}, rng)};
  if (arch == "qwen2") {
    ts.push_back(random_bf16(l + "self_attn.q_proj.bias", {16}, rng));
    ts.push_back(random_bf16(l + "self_attn.k_proj.bias", {8}, rng));
    ts.push_back(random_bf16(l + "self_attn.v_proj.bias", {8}, rng));
  }
  hearth::test::write_file(dir / "model.safetensors", hearth::test::safetensors_bytes(ts));
}

// The reference's test strings and their ids (no BOS, no special parsing).
std::vector<std::pair<std::string, std::string>> vectors(const std::string& vocab) {
  const std::string inp = hearth::test::read_text(data_path("vocab/ggml-vocab-" + vocab + ".gguf.inp"));
  const std::string out = hearth::test::read_text(data_path("vocab/ggml-vocab-" + vocab + ".gguf.out"));
  const std::string sep = "\n__ggml_vocab_test__\n";
  std::vector<std::pair<std::string, std::string>> v;
  std::istringstream lines(out);
  size_t at = 0;
  for (size_t next; (next = inp.find(sep, at)) != std::string::npos; at = next + sep.size()) {
    std::string ids;
    std::getline(lines, ids);
    v.emplace_back(inp.substr(at, next - at), ids);
  }
  return v;
}

void check_family(const std::string& vocab_name, const std::string& arch, const char* regex) {
  const fs::path dir = hearth::test::temp_dir("hearth-convert-bpe");
  fs::create_directories(dir / "hf");
  const File vocab = File::open(data_path("vocab/ggml-vocab-" + vocab_name + ".gguf"));
  const auto tokens = *vocab.get_string_array("tokenizer.ggml.tokens");
  write_small_model(dir / "hf", arch, tokens.size());
  hearth::test::write_json(dir / "hf" / "tokenizer.json",
                           hearth::test::tokenizer_json(vocab, hearth::test::TokenizerFiles::ByteLevelJson, regex));
  nlohmann::json tc = {{"eos_token", tokens[*vocab.get_uint("tokenizer.ggml.eos_token_id")]},
                       {"bos_token", tokens[*vocab.get_uint("tokenizer.ggml.bos_token_id")]}};
  if (const auto tmpl = vocab.get_string("tokenizer.chat_template")) tc["chat_template"] = *tmpl;
  hearth::test::write_json(dir / "hf" / "tokenizer_config.json", tc);

  const fs::path out = dir / "out.gguf";
  const auto r = run_hearth({"convert", (dir / "hf").string(), out.string(), "--type", "Q8_0"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("gpt2 tokenizer"), std::string::npos) << r.out;
  const File got = File::open(out);
  EXPECT_EQ(got.get_string("tokenizer.ggml.model"), "gpt2");
  EXPECT_EQ(got.get_string("tokenizer.ggml.pre"), vocab.get_string("tokenizer.ggml.pre"));
  for (const char* key : {"tokenizer.ggml.tokens", "tokenizer.ggml.token_type", "tokenizer.ggml.merges"}) {
    EXPECT_TRUE(got.find(key)->items() == vocab.find(key)->items()) << key;
  }
  for (const char* key : {"tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id"}) {
    EXPECT_EQ(got.get_uint(key), vocab.get_uint(key)) << key;
  }
  EXPECT_EQ(got.get_string("tokenizer.chat_template"), vocab.get_string("tokenizer.chat_template"));

  // Every one of the reference's strings, in one run (--jsonl: one load of
  // the vocabulary for all).
  const auto cases = vectors(vocab_name);
  ASSERT_GT(cases.size(), 20u);
  std::string input;
  for (const auto& c : cases) input += nlohmann::json(c.first).dump() + "\n";
  const auto t = run_hearth({"tokenize", out.string(), "-", "--jsonl", "--no-bos", "--no-special"}, input);
  ASSERT_EQ(t.exit_code, 0) << t.err;
  std::istringstream lines(t.out);
  std::string line;
  for (const auto& [text, ids] : cases) {
    ASSERT_TRUE(std::getline(lines, line)) << "no output line for: " << text;
    std::string got_ids;
    for (const int id : nlohmann::json::parse(line)) got_ids += (got_ids.empty() ? "" : " ") + std::to_string(id);
    std::string want = ids;
    while (!want.empty() && want.back() == ' ') want.pop_back();
    while (!want.empty() && want.front() == ' ') want.erase(0, 1);
    EXPECT_EQ(got_ids, want) << "text: " << text;
  }
  EXPECT_FALSE(std::getline(lines, line)) << "extra output: " << line;
  // The converted model runs.
  std::ofstream(dir / "p.txt") << "Hello world";
  const auto l = run_hearth({"logits", out.string(), "--prompt-file", (dir / "p.txt").string(), "--out",
                             (dir / "l.f32").string(), "--json"});
  EXPECT_EQ(l.exit_code, 0) << l.err;
  fs::remove_all(dir);
}

TEST(ConvertBpe, Qwen2TokenizerJson) { check_family("qwen2", "qwen2", kQwen2Regex); }
TEST(ConvertBpe, Llama3TokenizerJson) { check_family("llama-bpe", "llama", kLlama3Regex); }

}  // namespace
