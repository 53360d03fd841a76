// `hearth convert`, run as a user would, on Hugging Face checkpoints the test
// writes itself (tests/convert/hf_export.h) from the tiny reference models: the
// converted GGUF must hold the original's tensors (bit-equal for F32; equal
// to the reference converter's own F16/BF16/Q8_0 files, which round the same
// F32 weights the same way), its metadata, the same tokenization and the
// same logits.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "gguf/file.h"
#include "core/error.h"
#include "hf_export.h"
#include "model/convert.h"
#include "quant/type_traits.h"
#include "test_data.h"

namespace convert_test {

namespace fs = std::filesystem;
using hearth::gguf::File;
using hearth::test::data_path;
using hearth::test::ExportOptions;
using hearth::test::run_hearth;
using hearth::test::TokenizerFiles;

constexpr const char* kTemplate = "{% for m in messages %}<|{{ m.role }}|>{{ m.content }}{% endfor %}";
constexpr const char* kSample = "The quick brown fox jumps over the lazy dog. Privacy matters: 12345 prompts!";

class ConvertCli : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = hearth::test::temp_dir("hearth-convert"); }
  void TearDown() override { fs::remove_all(dir_); }

  // Converts dir_/hf to dir_/out.gguf; returns the --json summary.
  nlohmann::json convert(const std::string& type) {
    const auto r = run_hearth({"convert", (dir_ / "hf").string(), out().string(), "--type", type, "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out);
  }
  fs::path out() const { return dir_ / "out.gguf"; }

  std::vector<int> tokens(const fs::path& model, const std::string& text) {
    const auto r = run_hearth({"tokenize", model.string(), text, "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out)["tokens"].get<std::vector<int>>();
  }

  // `hearth logits` with one thread (the same summation order for both files).
  std::vector<uint8_t> logits(const fs::path& model) {
    const fs::path prompt = dir_ / "prompt.txt", rows = dir_ / (model.stem().string() + ".f32");
    std::ofstream(prompt) << "Once upon a time, a little fox";
    const auto r = run_hearth({"logits", model.string(), "--prompt-file", prompt.string(), "--out", rows.string(),
                               "--gen", "3", "--threads", "1"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return hearth::test::read_bytes(rows);
  }

  fs::path dir_;
};

// Every tensor of `want` is in `got` with the same type, shape and bytes.
void expect_same_tensors(const File& want, const File& got) {
  ASSERT_EQ(got.tensors().size(), want.tensors().size());
  for (const auto& w : want.tensors()) {
    const auto* g = got.find_tensor(w.name);
    ASSERT_NE(g, nullptr) << w.name;
    EXPECT_EQ(g->type, w.type) << w.name;
    ASSERT_EQ(g->shape, w.shape) << w.name;
    ASSERT_EQ(g->n_bytes, w.n_bytes) << w.name;
    EXPECT_EQ(std::memcmp(g->data, w.data, w.n_bytes), 0) << w.name << " differs";
  }
}

std::vector<float> floats(const std::vector<uint8_t>& bytes) {
  std::vector<float> f(bytes.size() / 4);
  std::memcpy(f.data(), bytes.data(), f.size() * 4);
  return f;
}

// RMS difference between a tensor (any type with kernels) and an F32 one.
double rms_error(const hearth::gguf::Tensor& t, const hearth::gguf::Tensor& f32) {
  std::vector<float> x(t.n_elements);
  hearth::quant::dequantize(t.type, t.data, x.data(), static_cast<int64_t>(t.n_elements));
  const auto* y = reinterpret_cast<const float*>(f32.data);
  double sum = 0;
  for (size_t i = 0; i < x.size(); ++i) sum += (double(x[i]) - y[i]) * (double(x[i]) - y[i]);
  return std::sqrt(sum / static_cast<double>(x.size()));
}

// The original's metadata (but its name and file type) holds in the converted file.
void expect_same_metadata(const File& want, const File& got) {
  for (const auto& [key, value] : want.metadata()) {
    if (key == "general.name" || key == "general.file_type") continue;
    const auto* v = got.find(key);
    ASSERT_NE(v, nullptr) << key;
    EXPECT_EQ(v->to_display(4), value.to_display(4)) << key;
    if (v->type() == hearth::gguf::ValueType::ARRAY) {
      EXPECT_TRUE(v->items() == value.items()) << key;
    } else if (v->type() != hearth::gguf::ValueType::STRING) {
      EXPECT_EQ(v->raw_bits(), value.raw_bits()) << key;
    }
  }
}

TEST_F(ConvertCli, LlamaWithTokenizerModelRoundTripsBitExact) {
  const File orig = File::open(data_path("tiny/tiny-llama-F32.gguf"));
  ExportOptions o;
  o.chat_template = kTemplate;
  hearth::test::export_hf(orig, dir_ / "hf", o);
  const auto summary = convert("F32");
  EXPECT_EQ(summary["architecture"], "llama");
  EXPECT_EQ(summary["tokenizer"], "llama");
  EXPECT_EQ(summary["n_tensors"], orig.tensors().size());

  const File got = File::open(out());
  expect_same_tensors(orig, got);  // names, reversed shapes and the q/k row order undone exactly
  expect_same_metadata(orig, got);
  EXPECT_EQ(got.get_uint("general.file_type"), 0u);
  EXPECT_EQ(got.get_string("tokenizer.chat_template"), kTemplate);
  EXPECT_EQ(got.get_bool("tokenizer.ggml.add_space_prefix"), true);
  EXPECT_EQ(tokens(out(), kSample), tokens(data_path("tiny/tiny-llama-F32.gguf"), kSample));
  const auto want = logits(data_path("tiny/tiny-llama-F32.gguf"));
  ASSERT_FALSE(want.empty());
  EXPECT_TRUE(logits(out()) == want) << "F32 logits must be bit-identical";
}

TEST_F(ConvertCli, ShardedQwen2WithSpmStyleTokenizerJsonMatchesReferenceBf16) {
  const File orig = File::open(data_path("tiny/tiny-qwen2-F32.gguf"));
  ExportOptions o;
  o.dtype = "BF16";
  o.shards = 3;
  o.tokenizer = TokenizerFiles::SpmStyleJson;
  hearth::test::export_hf(orig, dir_ / "hf", o);
  const auto summary = convert("BF16");
  EXPECT_EQ(summary["shards"].size(), 3u);
  EXPECT_EQ(summary["architecture"], "qwen2");
  const File got = File::open(out());
  // The reference's BF16 file rounds the same F32 weights (norms and biases stay F32).
  const File ref = File::open(data_path("tiny/tiny-qwen2-BF16.gguf"));
  expect_same_tensors(ref, got);
  EXPECT_EQ(got.get_uint("general.file_type"), 32u);
  EXPECT_EQ(got.find_tensor("output.weight"), nullptr) << "tied embeddings write no output tensor";
  // Tokens, types and ids as the original; scores are re-derived from merge
  // ranks, so tokenization (not the score values) must agree.
  for (const char* key : {"tokenizer.ggml.tokens", "tokenizer.ggml.token_type"}) {
    EXPECT_TRUE(got.find(key)->items() == orig.find(key)->items()) << key;
  }
  for (const char* key : {"tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id", "tokenizer.ggml.unknown_token_id"}) {
    EXPECT_EQ(got.get_uint(key), orig.get_uint(key)) << key;
  }
  const std::string texts[] = {kSample, " leading space", "Hello\n\nworld\ttabs  and  émigré café 🙂"};
  for (const auto& t : texts) EXPECT_EQ(tokens(out(), t), tokens(data_path("tiny/tiny-qwen2-F32.gguf"), t)) << t;
  EXPECT_TRUE(logits(out()) == logits(data_path("tiny/tiny-qwen2-BF16.gguf")));
}

TEST_F(ConvertCli, Qwen3ToF16AndQ8_0MatchesReferenceFiles) {
  const File orig = File::open(data_path("tiny/tiny-qwen3-F32.gguf"));
  hearth::test::export_hf(orig, dir_ / "hf", ExportOptions{});
  convert("F16");
  {
    const File got = File::open(out());
    expect_same_tensors(File::open(data_path("tiny/tiny-qwen3-F16.gguf")), got);
    expect_same_metadata(orig, got);  // key_length / value_length 128 included
  }
  const auto summary = convert("Q8_0");
  EXPECT_EQ(summary["file_type"], 7);
  const File got = File::open(out());
  const File ref = File::open(data_path("tiny/tiny-qwen3-Q8_0.gguf"));
  // hearth's Q8_0 quantizer (src/quant) rounds a few values differently from
  // the reference's, so compare the quantization error instead of bits: per
  // matrix, the RMS error against the F32 weights must be within 1% of the
  // reference file's own.
  ASSERT_EQ(got.tensors().size(), ref.tensors().size());
  for (const auto& r : ref.tensors()) {
    const auto* g = got.find_tensor(r.name);
    ASSERT_NE(g, nullptr) << r.name;
    ASSERT_EQ(g->type, r.type) << r.name;
    ASSERT_EQ(g->shape, r.shape) << r.name;
    const auto* o = orig.find_tensor(r.name);
    const double ours = rms_error(*g, *o), theirs = rms_error(r, *o);
    EXPECT_LE(ours, theirs * 1.01 + 1e-12) << r.name;
    if (r.type == hearth::TensorType::F32) {
      EXPECT_EQ(ours, 0.0) << r.name;
    }
  }
  // The logits follow: their RMS deviation from the F32 model's is within 10%
  // of the reference file's (the worst single logit is a noisy statistic:
  // 0.46 vs 0.42 here).
  const auto f32 = floats(logits(data_path("tiny/tiny-qwen3-F32.gguf")));
  const auto ref_q = floats(logits(data_path("tiny/tiny-qwen3-Q8_0.gguf")));
  const auto ours_q = floats(logits(out()));
  ASSERT_EQ(ours_q.size(), f32.size());
  double ref_dev = 0, our_dev = 0;
  for (size_t i = 0; i < f32.size(); ++i) {
    ref_dev += (double(ref_q[i]) - f32[i]) * (double(ref_q[i]) - f32[i]);
    our_dev += (double(ours_q[i]) - f32[i]) * (double(ours_q[i]) - f32[i]);
  }
  EXPECT_GT(ref_dev, 0.0);
  EXPECT_LE(std::sqrt(our_dev), std::sqrt(ref_dev) * 1.10) << "reference Q8_0 RMS deviation " << std::sqrt(ref_dev / f32.size());
}

TEST_F(ConvertCli, MistralConfigWithLlama3RopeScalingConvertsAsLlama) {
  const File orig = File::open(data_path("tiny/tiny-llama-F32.gguf"));
  hearth::test::export_hf(orig, dir_ / "hf", ExportOptions{});
  auto cfg = nlohmann::json::parse(hearth::test::read_text(dir_ / "hf" / "config.json"));
  cfg["model_type"] = "mistral";
  cfg["rope_scaling"] = {{"rope_type", "llama3"}, {"factor", 8.0}, {"low_freq_factor", 1.0},
                         {"high_freq_factor", 4.0}, {"original_max_position_embeddings", 512}};
  hearth::test::write_json(dir_ / "hf" / "config.json", cfg);
  const auto summary = convert("F32");
  EXPECT_EQ(summary["model_type"], "mistral");
  EXPECT_EQ(summary["architecture"], "llama");
  const File got = File::open(out());
  expect_same_tensors(orig, got);
  EXPECT_EQ(got.get_string("llama.rope.scaling.type"), "llama3");
  EXPECT_EQ(got.get_float("llama.rope.scaling.factor"), 8.0);
  EXPECT_EQ(got.get_uint("llama.rope.scaling.original_context_length"), 512u);
  // Scaled rotary frequencies change the logits past position 0, and hearth runs the file.
  const auto scaled = logits(out());
  ASSERT_EQ(scaled.size(), logits(data_path("tiny/tiny-llama-F32.gguf")).size());
  EXPECT_FALSE(scaled == logits(data_path("tiny/tiny-llama-F32.gguf")));
}

TEST_F(ConvertCli, TiedEmbeddingsAndMissingLmHead) {
  const File orig = File::open(data_path("tiny/tiny-qwen2-F32.gguf"));  // no output.weight: tied
  hearth::test::export_hf(orig, dir_ / "hf", ExportOptions{});
  auto cfg = nlohmann::json::parse(hearth::test::read_text(dir_ / "hf" / "config.json"));
  EXPECT_EQ(cfg["tie_word_embeddings"], true);
  cfg["tie_word_embeddings"] = false;
  hearth::test::write_json(dir_ / "hf" / "config.json", cfg);
  const auto r = run_hearth({"convert", (dir_ / "hf").string(), out().string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("tie_word_embeddings is false but the checkpoint has no lm_head.weight"), std::string::npos) << r.err;
}

}  // namespace convert_test

namespace hearth::model {
namespace {

// The library entry point in-process (what the CLI calls), so sanitizer
// builds check the converter itself: a sharded SentencePiece-style checkpoint
// converts to the original tensors.
TEST(ConvertLibrary, InProcessRoundTrip) {
  const auto dir = hearth::test::temp_dir("hearth-convert-lib");
  const gguf::File orig = gguf::File::open(hearth::test::data_path("tiny/tiny-llama-F32.gguf"));
  hearth::test::ExportOptions o;
  o.shards = 2;
  o.tokenizer = hearth::test::TokenizerFiles::SpmStyleJson;
  hearth::test::export_hf(orig, dir / "hf", o);
  ConvertOptions opts;
  opts.hf_dir = dir / "hf";
  opts.out = dir / "out.gguf";
  opts.type = TensorType::F32;
  const ConvertResult r = convert_hf_to_gguf(opts);
  EXPECT_EQ(r.arch, "llama");
  EXPECT_EQ(r.shards.size(), 2u);
  EXPECT_EQ(r.n_tensors, static_cast<int64_t>(orig.tensors().size()));
  convert_test::expect_same_tensors(orig, gguf::File::open(opts.out));
  opts.type = TensorType::Q4_K;
  EXPECT_THROW(convert_hf_to_gguf(opts), UnsupportedError);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hearth::model
