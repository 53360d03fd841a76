// `hearth convert` on broken or unsupported checkpoints: each fails with exit
// code 1 and a message that names the file (or tensor) and the fault, and
// leaves no output file behind.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "gguf/file.h"
#include "hf_export.h"
#include "test_data.h"

namespace {

namespace fs = std::filesystem;
using hearth::test::run_hearth;

class ConvertErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = hearth::test::temp_dir("hearth-convert-err");
    hf_ = dir_ / "hf";
    hearth::test::ExportOptions o;
    o.shards = 2;
    hearth::test::export_hf(hearth::gguf::File::open(hearth::test::data_path("tiny/tiny-llama-F32.gguf")), hf_, o);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs the conversion, expects failure with every part in stderr.
  void expect_failure(std::initializer_list<std::string> parts, const std::string& type = "F16") {
    const auto r = run_hearth({"convert", hf_.string(), (dir_ / "out.gguf").string(), "--type", type});
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_EQ(r.err.rfind("hearth: error: ", 0), 0u) << r.err;
    for (const auto& p : parts) EXPECT_NE(r.err.find(p), std::string::npos) << "'" << p << "' not in: " << r.err;
    EXPECT_FALSE(fs::exists(dir_ / "out.gguf"));
  }

  // Replaces the first shard with a hand-made safetensors header.
  void corrupt_shard(const std::string& header, size_t data_bytes, uint64_t claimed = 0) {
    std::vector<uint8_t> b;
    const uint64_t n = claimed ? claimed : header.size();
    for (int i = 0; i < 8; ++i) b.push_back(static_cast<uint8_t>(n >> (8 * i)));
    b.insert(b.end(), header.begin(), header.end());
    b.resize(b.size() + data_bytes);
    hearth::test::write_file(shard(), b);
  }
  fs::path shard() const { return hf_ / "model-00001-of-00002.safetensors"; }

  fs::path dir_, hf_;
};

TEST_F(ConvertErrors, TheValidCheckpointConverts) {
  const auto r = run_hearth({"convert", hf_.string(), (dir_ / "out.gguf").string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("F16"), std::string::npos) << r.out;
}

TEST_F(ConvertErrors, HostileSafetensorsHeaders) {
  const std::string name = "model-00001-of-00002.safetensors";
  corrupt_shard("{}", 0, uint64_t{1} << 50);
  expect_failure({name, "header length", "exceeds the limit"});
  corrupt_shard("{\"a\": [", 0);
  expect_failure({name, "not valid JSON"});
  corrupt_shard(R"({"model.norm.weight":{"dtype":"F32","shape":[64],"data_offsets":[0,128]}})", 128);
  expect_failure({name, "model.norm.weight", "needs 256 bytes but data_offsets span 128"});
  corrupt_shard(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}})", 24);
  expect_failure({name, "overlaps"});
  corrupt_shard(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 8);
  expect_failure({name, "tensor 'a'", "outside the file"});
  corrupt_shard(R"({"a":{"dtype":"Q4","shape":[4],"data_offsets":[0,16]}})", 16);
  expect_failure({name, "unknown dtype 'Q4'"});
}

TEST_F(ConvertErrors, MissingShardAndBrokenIndex) {
  fs::remove(shard());
  expect_failure({"model-00001-of-00002.safetensors", "missing shard"});
  hearth::test::write_json(hf_ / "model.safetensors.index.json", {{"weight_map", {{"x", "../etc/passwd"}}}});
  expect_failure({"model.safetensors.index.json", "not a file name"});
  fs::remove(hf_ / "model.safetensors.index.json");
  expect_failure({"no model.safetensors or model.safetensors.index.json"});
}

TEST_F(ConvertErrors, UnsupportedOrBrokenConfig) {
  auto cfg = nlohmann::json::parse(hearth::test::read_text(hf_ / "config.json"));
  cfg["model_type"] = "gpt_neox";
  hearth::test::write_json(hf_ / "config.json", cfg);
  expect_failure({"config.json", "model_type \"gpt_neox\" is not supported", "llama, mistral, qwen2, qwen3"});
  cfg["model_type"] = "mistral";
  cfg.erase("hidden_size");
  hearth::test::write_json(hf_ / "config.json", cfg);
  expect_failure({"config.json", "missing \"hidden_size\""});
  cfg["hidden_size"] = 64;  // the checkpoint is 256 wide: heads of 16 do not fit k_proj's 128 rows
  hearth::test::write_json(hf_ / "config.json", cfg);
  expect_failure({"model.layers.0.self_attn.k_proj.weight", "128 rows", "config.json gives 2 heads of 16"});
  cfg["hidden_size"] = 256;
  cfg["num_key_value_heads"] = 4;  // k_proj rows then belong to 2 heads, not 4
  hearth::test::write_json(hf_ / "config.json", cfg);
  expect_failure({"k_proj.weight", "config.json gives 4 heads of 64"});
  cfg["num_key_value_heads"] = 2;
  cfg["hidden_size"] = 256;
  cfg["rope_scaling"] = {{"rope_type", "yarn"}, {"factor", 4.0}};
  hearth::test::write_json(hf_ / "config.json", cfg);
  expect_failure({"rope scaling \"yarn\" is not supported"});
  fs::remove(hf_ / "config.json");
  expect_failure({"config.json", "not found"});
}

TEST_F(ConvertErrors, MissingOrBrokenTokenizer) {
  std::ofstream(hf_ / "tokenizer.model", std::ios::binary | std::ios::trunc) << "\x0a\xff\xff\xff";
  expect_failure({"tokenizer.model", "not a SentencePiece model", "truncated"});
  fs::remove(hf_ / "tokenizer.model");
  expect_failure({"no tokenizer.json or tokenizer.model"});
  hearth::test::write_json(hf_ / "tokenizer.json", {{"model", {{"type", "WordPiece"}, {"vocab", nlohmann::json::object()}}}});
  expect_failure({"tokenizer.json", "\"WordPiece\" is not supported"});
}

TEST_F(ConvertErrors, BadTypeAndHelp) {
  expect_failure({"--type Q4_K is not one of F32, F16, BF16, Q8_0"}, "Q4_K");
  const auto h = run_hearth({"convert", "--help"});
  EXPECT_EQ(h.exit_code, 0);
  EXPECT_NE(h.out.find("--type"), std::string::npos);
  EXPECT_NE(h.out.find("--json"), std::string::npos);
}

}  // namespace
