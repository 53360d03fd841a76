// `hearth run` driven as a user would: real binary, real model file.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_data.h"

namespace hearth {
namespace {

class RunGreedy : public testing::TestWithParam<std::string> {};

// Greedy raw completion must be the reference's greedy text, token for token.
TEST_P(RunGreedy, MatchesReferenceText) {
  const std::string p = GetParam();
  const auto golden = nlohmann::json::parse(test::read_text(test::data_path("logits/stories260K." + p + ".json")));
  const std::string prompt = test::read_text(test::data_path("logits/" + p + ".txt"));
  const auto n = std::to_string(golden["greedy_tokens"].size());
  const auto r = test::run_hearth({"run", test::kStories, prompt, "--temp", "0", "-n", n, "-t", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, golden["greedy_text"].get<std::string>() + "\n");
  EXPECT_NE(r.err.find("context 2048 tokens"), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(Prompts, RunGreedy, testing::Values("sp1", "sp2", "sp3", "sp4"));

TEST(Run, SameSeedSameOutputOtherSeedOtherOutput) {
  const auto a = test::run_hearth({"run", test::kStories, "Once upon a time", "--seed", "7", "-n", "40"});
  const auto b = test::run_hearth({"run", test::kStories, "Once upon a time", "--seed", "7", "-n", "40"});
  const auto c = test::run_hearth({"run", test::kStories, "Once upon a time", "--seed", "8", "-n", "40"});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  EXPECT_NE(a.out, c.out);
  EXPECT_GT(a.out.size(), 40u);
}

TEST(Run, PromptFromStdinWhenPiped) {
  const auto piped = test::run_hearth({"run", test::kStories, "--temp", "0", "-n", "20"}, "Lily and Ben");
  const auto arg = test::run_hearth({"run", test::kStories, "Lily and Ben", "--temp", "0", "-n", "20"});
  ASSERT_EQ(piped.exit_code, 0) << piped.err;
  EXPECT_EQ(piped.out, arg.out);
  EXPECT_FALSE(piped.out.empty());
}

TEST(Run, StopStringEndsGenerationBeforeIt) {
  const auto golden = nlohmann::json::parse(test::read_text(test::data_path("logits/stories260K.sp1.json")));
  const std::string full = golden["greedy_text"];
  const auto r = test::run_hearth({"run", test::kStories, "Once upon a time", "--temp", "0", "-n", "64", "--stop", "Lily"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, full.substr(0, full.find("Lily")) + "\n");
}

TEST(Run, NPredictLimitsTokens) {
  const auto r = test::run_hearth({"run", test::kStories, "Once upon a time", "--temp", "0", "-n", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, ", there was\n");
}

TEST(Run, PromptLongerThanContextIsAClearError) {
  const auto r = test::run_hearth({"run", test::kStories, "Once upon a time there was a little girl named Lily", "--ctx", "8"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("context holds 8"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("tokens"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
}

TEST(Run, BadSamplingParameterIsAClearError) {
  const auto r = test::run_hearth({"run", test::kStories, "Hi", "--top-p", "1.5"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("top_p"), std::string::npos) << r.err;
}

TEST(Run, HelpListsOptions) {
  const auto r = test::run_hearth({"run", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--temp"), std::string::npos);
  EXPECT_NE(r.out.find("--ctx"), std::string::npos);
}

}  // namespace
}  // namespace hearth

namespace hearth {
namespace {

TEST(RunKvType, Q8_0CacheRunsAndBadTypeIsAClearError) {
  const std::string tiny = test::data_path("tiny/tiny-llama-Q8_0.gguf").string();
  const auto ok = test::run_hearth({"run", tiny, "The quick brown fox", "--temp", "0", "-n", "8", "--kv-type", "q8_0"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_FALSE(ok.out.empty());
  const auto bad = test::run_hearth({"run", tiny, "Hi", "--kv-type", "q4_0"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("--kv-type q4_0"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace hearth
