// `hearth logits` as a user runs it: tokenizes the prompt file itself and must
// reproduce the reference's prompt tokens, greedy tokens and greedy text of
// stories260K exactly, and write rows in the goldens' layout.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "test_data.h"

namespace hearth {
namespace {

class LogitsCli : public testing::TestWithParam<std::string> {};

TEST_P(LogitsCli, StoriesGreedyTextMatchesReference) {
  const std::string p = GetParam();
  const auto golden = nlohmann::json::parse(test::read_text(test::data_path("logits/stories260K." + p + ".json")));
  const auto dir = test::temp_dir("hearth-logits");
  const auto out = (dir / "o.f32").string();
  const int gen = static_cast<int>(golden["greedy_tokens"].size());
  const auto r = test::run_hearth({"logits", test::repo_path("models/stories260K.gguf").string(),
                                   "--prompt-file", test::data_path("logits/" + p + ".txt").string(),
                                   "--out", out, "--gen", std::to_string(gen), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto got = nlohmann::json::parse(r.out);
  EXPECT_EQ(got["prompt_tokens"], golden["prompt_tokens"]);
  EXPECT_EQ(got["greedy_tokens"], golden["greedy_tokens"]);
  EXPECT_EQ(got["greedy_text"], golden["greedy_text"]);
  // Same layout as the golden: prompt rows + gen - 1 decode rows.
  EXPECT_EQ(std::filesystem::file_size(out),
            std::filesystem::file_size(test::data_path("logits/stories260K." + p + ".logits.f32")));
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Prompts, LogitsCli, testing::Values("sp1", "sp2", "sp3", "sp4"));

TEST(LogitsCliErrors, MissingModelIsAClearError) {
  const auto r = test::run_hearth({"logits", "/nonexistent/model.gguf", "--prompt-file",
                                   test::data_path("logits/sp1.txt").string(), "--out", "/tmp/x.f32"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("/nonexistent/model.gguf"), std::string::npos) << r.err;
}

TEST(LogitsCliErrors, VocabOnlyFileIsAClearError) {
  const auto r = test::run_hearth({"logits", test::data_path("vocab/ggml-vocab-llama-spm.gguf").string(),
                                   "--prompt-file", test::data_path("logits/sp1.txt").string(), "--out", "/tmp/x.f32"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("hearth: error:"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace hearth
