// `hearth show`, run as a user would run it, checked against what the GGUF
// reader itself says about the same files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "gguf/file.h"
#include "test_data.h"

namespace hearth {
namespace {

namespace fs = std::filesystem;
using hearth::test::run_hearth;
using Json = nlohmann::ordered_json;

using hearth::test::kStories;

Json show_json(const std::vector<std::string>& args) {
  const auto r = run_hearth(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  return Json::parse(r.out);
}

void expect_contains(const std::string& text, const std::string& fragment) {
  EXPECT_NE(text.find(fragment), std::string::npos) << "'" << fragment << "' not in:\n" << text;
}

uint64_t n_params(const gguf::File& f) {
  uint64_t n = 0;
  for (const auto& t : f.tensors()) n += t.n_elements;
  return n;
}

TEST(ShowCli, TextDescribesTheModel) {
  const gguf::File f = gguf::File::open(kStories);
  const auto r = run_hearth({"show", kStories});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  for (const std::string& frag :
       {"file:          " + kStories, std::string("GGUF v3"), std::string("alignment 32"),
        std::string("architecture:  llama"), std::string("embedding length       64"),
        std::string("layers                 5"), std::string("key/value heads        4"),
        std::string("vocabulary             512 tokens (\"llama\")"),
        std::string("metadata (19 keys):"), std::string("[512 strings]"),
        std::string("tensors (48):"), std::string("[64, 512]"), std::string("token_embd.weight"),
        std::string(" 32.00 bits/weight"), std::to_string(n_params(f))}) {
    expect_contains(r.out, frag);
  }
  // One table row per tensor.
  for (const auto& t : f.tensors()) expect_contains(r.out, "  " + t.name + " ");
}

TEST(ShowCli, JsonMatchesTheReader) {
  const gguf::File f = gguf::File::open(kStories);
  const Json j = show_json({"show", kStories, "--json"});
  EXPECT_EQ(j["version"], 3);
  EXPECT_EQ(j["architecture"], "llama");
  EXPECT_EQ(j["file_size"], f.file_size());
  EXPECT_EQ(j["n_params"], n_params(f));
  EXPECT_EQ(j["bits_per_weight"], 32.0);
  EXPECT_EQ(j["metadata"]["llama.embedding_length"], Json({{"type", "uint32"}, {"value", 64}}));
  EXPECT_EQ(j["metadata"]["tokenizer.ggml.tokens"],
            Json({{"type", "array"}, {"element_type", "string"}, {"count", 512}}));
  // Metadata in file order.
  size_t i = 0;
  ASSERT_EQ(j["metadata"].size(), f.metadata().size());
  for (const auto& [key, value] : j["metadata"].items()) EXPECT_EQ(key, f.metadata()[i++].first);
  ASSERT_EQ(j["tensors"].size(), f.tensors().size());
  for (size_t k = 0; k < f.tensors().size(); ++k) {
    const auto& t = f.tensors()[k];
    const Json& jt = j["tensors"][k];
    EXPECT_EQ(jt["name"], t.name);
    EXPECT_EQ(jt["type"], "F32");
    EXPECT_EQ(jt["shape"], Json(t.shape));
    EXPECT_EQ(jt["offset"], t.offset);
    EXPECT_EQ(jt["bytes"], t.n_bytes);
  }
  EXPECT_EQ(j["types"]["F32"]["tensors"], 48);
}

TEST(ShowCli, JsonFullListsLongArrays) {
  const gguf::File f = gguf::File::open(kStories);
  const Json j = show_json({"show", kStories, "--json", "--full"});
  const Json& tokens = j["metadata"]["tokenizer.ggml.tokens"];
  EXPECT_EQ(tokens["count"], 512);
  EXPECT_EQ(tokens["value"], Json(*f.get_string_array("tokenizer.ggml.tokens")));
  const auto scores = *f.get_float_array("tokenizer.ggml.scores");
  ASSERT_EQ(j["metadata"]["tokenizer.ggml.scores"]["value"].size(), scores.size());
  EXPECT_EQ(j["metadata"]["tokenizer.ggml.scores"]["value"][100].get<double>(), scores[100]);
  // Text output too.
  const auto r = run_hearth({"show", kStories, "--full"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_contains(r.out, "array    [\"<unk>\", \"<s>\", \"</s>\", \"<0x00>\"");
  EXPECT_EQ(r.out.find("[512 strings]"), std::string::npos);
}

TEST(ShowCli, MixedQuantizationTotalsPerType) {
  const std::string path = hearth::test::data_path("tiny/tiny-llama-Q4_K_M.gguf").string();
  const gguf::File f = gguf::File::open(path);
  const Json j = show_json({"show", path, "--json"});
  uint64_t bytes = 0;
  for (const auto& t : f.tensors()) bytes += t.n_bytes;
  EXPECT_EQ(j["tensor_bytes"], bytes);
  EXPECT_DOUBLE_EQ(j["bits_per_weight"].get<double>(), 8.0 * double(bytes) / double(n_params(f)));
  EXPECT_EQ(j["types"]["Q6_K"]["tensors"].get<int>() >= 1, true);  // token_embd, per the recipe
  EXPECT_EQ(j["tensors"][0]["name"], f.tensors()[0].name);
  const auto r = run_hearth({"show", path});
  expect_contains(r.out, "  Q4_K ");
  expect_contains(r.out, "  Q6_K ");
  expect_contains(r.out, "  total ");
}

TEST(ShowCli, VocabOnlyFile) {
  const std::string path = hearth::test::data_path("vocab/ggml-vocab-qwen2.gguf").string();
  const auto r = run_hearth({"show", path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_contains(r.out, "tensors: none (vocabulary-only file)");
  expect_contains(r.out, "strings]");
  const Json j = show_json({"show", path, "--json"});
  EXPECT_EQ(j["tensors"], Json::array());
  EXPECT_EQ(j["n_params"], 0);
  EXPECT_TRUE(j["bits_per_weight"].is_null());
}

TEST(ShowCli, MissingFileIsOneClearError) {
  const auto r = run_hearth({"show", "/nonexistent/model.gguf"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "hearth: error: /nonexistent/model.gguf: cannot open: No such file or directory\n");
}

TEST(ShowCli, CorruptFilesAreOneClearError) {
  const fs::path dir = hearth::test::temp_dir("hearth-show");
  const fs::path garbage = dir / "garbage.gguf";
  { std::ofstream(garbage) << "this is not a model at all"; }
  const fs::path truncated = dir / "truncated.gguf";
  {
    const auto bytes = hearth::test::read_bytes(kStories);
    std::ofstream(truncated, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), 5000);
  }
  const auto r1 = run_hearth({"show", garbage.string()});
  EXPECT_EQ(r1.exit_code, 1);
  EXPECT_EQ(r1.err, "hearth: error: " + garbage.string() +
                        ": not a GGUF file (bad magic; expected \"GGUF\")\n");
  const auto r2 = run_hearth({"show", truncated.string(), "--json"});
  EXPECT_EQ(r2.exit_code, 1);
  EXPECT_EQ(r2.out, "");
  EXPECT_EQ(r2.err.rfind("hearth: error: " + truncated.string() + ": metadata entry ", 0), 0u) << r2.err;
  expect_contains(r2.err, "truncated");
  EXPECT_EQ(std::count(r2.err.begin(), r2.err.end(), '\n'), 1);
  fs::remove_all(dir);
}

TEST(ShowCli, Help) {
  const auto r = run_hearth({"show", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  expect_contains(r.out, "--json");
  expect_contains(r.out, "--full");
  expect_contains(r.out, "model");
  const auto no_model = run_hearth({"show"});
  EXPECT_NE(no_model.exit_code, 0);
  expect_contains(no_model.err, "model");
}

}  // namespace
}  // namespace hearth
