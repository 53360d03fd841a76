// `hearth logits` as a user runs it: tokenizes the prompt file itself and must
// reproduce the reference's prompt tokens, greedy tokens and greedy text of
// stories260K exactly, and write rows in the goldens' layout; several
// prompts in one run write what runs of their own write.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>
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
  const auto r = test::run_hearth({"logits", test::kStories,
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

// Several prompts in one run: each prompt's file and JSON line are what a run
// of its own writes (each starts from an empty cache), in the order given.
TEST(LogitsCli, SeveralPromptsWriteWhatSeparateRunsWrite) {
  const auto dir = test::temp_dir("hearth-logits-many");
  const std::string model = test::kStories;
  const std::vector<std::string> prompts = {"sp2", "sp1", "sp4"};
  std::vector<std::string> args = {"logits", model, "--gen", "6", "--json"};
  for (const auto& p : prompts) {
    args.insert(args.end(), {"--prompt-file", test::data_path("logits/" + p + ".txt").string(), "--out",
                             (dir / (p + ".many.f32")).string()});
  }
  const auto many = test::run_hearth(args);
  ASSERT_EQ(many.exit_code, 0) << many.err;
  std::istringstream lines(many.out);
  for (const auto& p : prompts) {
    const auto one = test::run_hearth({"logits", model, "--prompt-file", test::data_path("logits/" + p + ".txt").string(),
                                       "--out", (dir / (p + ".one.f32")).string(), "--gen", "6", "--json"});
    ASSERT_EQ(one.exit_code, 0) << one.err;
    std::string line;
    ASSERT_TRUE(std::getline(lines, line)) << "no JSON line for " << p;
    EXPECT_EQ(line + "\n", one.out) << p;
    EXPECT_EQ(test::read_text(dir / (p + ".many.f32")), test::read_text(dir / (p + ".one.f32"))) << p;
  }
  std::string extra;
  EXPECT_FALSE(std::getline(lines, extra)) << "an extra line: " << extra;
  std::filesystem::remove_all(dir);
}

// A prompt file that cannot be read fails before the model loads, and no
// output is written; so does a count of --out that is not one per prompt.
TEST(LogitsCliErrors, BadPromptListsAreClearErrorsThatWriteNothing) {
  const auto dir = test::temp_dir("hearth-logits-bad");
  const std::string model = test::kStories;
  const std::string sp1 = test::data_path("logits/sp1.txt").string();
  const auto missing = test::run_hearth({"logits", model, "--prompt-file", sp1, "--prompt-file", "/nonexistent/p.txt",
                                         "--out", (dir / "a.f32").string(), "--out", (dir / "b.f32").string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("/nonexistent/p.txt: cannot open the prompt file"), std::string::npos) << missing.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "a.f32"));

  const auto counts = test::run_hearth({"logits", model, "--prompt-file", sp1, "--prompt-file", sp1, "--out",
                                        (dir / "a.f32").string()});
  EXPECT_EQ(counts.exit_code, 1);
  EXPECT_NE(counts.err.find("2 --prompt-file and 1 --out"), std::string::npos) << counts.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "a.f32"));
  std::filesystem::remove_all(dir);
}

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
