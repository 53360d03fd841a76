// `hearth tokenize`, run as a user would. Expected ids for stories260K and
// tiny-llama are the prompt_tokens of the reference implementation's logits
// goldens (fixtures/goldens/logits/*.json), tokenized with BOS and special
// tokens as the vocabulary says.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "test_data.h"

namespace {

using hearth::test::run_hearth;

using hearth::test::kStories;
const std::string kTinyLlama = hearth::test::data_path("tiny/tiny-llama-F32.gguf").string();
const std::string kLlama3 = hearth::test::data_path("vocab/ggml-vocab-llama-bpe.gguf").string();
const std::string kBert = hearth::test::data_path("vocab/ggml-vocab-bert-bge.gguf").string();

std::vector<int> ids_of(const hearth::test::RunResult& r) {
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find('\n'), r.out.size() - 1) << "one line expected: " << r.out;
  return nlohmann::json::parse(r.out).get<std::vector<int>>();
}

TEST(TokenizeCli, MatchesReferencePromptTokens) {
  struct Case {
    std::string model, text;
    std::vector<int> ids;
  };
  const std::vector<Case> cases = {
      {kStories, "Once upon a time", {1, 403, 407, 261, 378}},
      {kStories, "Lily and Ben went to the park. They",
       {1, 317, 269, 368, 302, 263, 377, 267, 265, 282, 295, 433, 426, 342}},
      {kStories, "The little dog was sad because", {1, 291, 376, 400, 428, 286, 296, 418, 329, 429, 412, 425, 372}},
      {kStories, "One day, a big bear", {1, 385, 328, 432, 261, 370, 329, 295}},
      {kTinyLlama, "The quick brown fox jumps over the lazy dog. Privacy matters: prompts never leave the machine.",
       {1,   450, 439, 860, 289, 798, 113, 285, 114, 123, 432, 398, 567, 975, 278, 425, 125, 124, 437, 106, 49, 349, 374,
        121, 562, 124, 286, 271, 357, 118, 61,  282, 456, 415, 118, 452, 369, 454, 100, 345, 278, 286, 496, 457, 49}},
      {kTinyLlama, "Hello world! Numbers 12345 and émojis 🙂 mixed with\ttabs\nand newlines.",
       {1,   379, 295, 417, 281, 272, 430, 36,  405, 398, 101, 414, 229, 153, 132, 52,  53, 54, 55, 56, 322, 904, 112, 114,
        109, 275, 229, 153, 132, 243, 162, 156, 133, 286, 861, 287, 411, 12,  119, 370, 118, 13, 392, 716, 111, 262, 267, 49}},
  };
  for (const auto& c : cases) EXPECT_EQ(ids_of(run_hearth({"tokenize", c.model, c.text})), c.ids) << c.text;
}

TEST(TokenizeCli, FlagsControlBosAndSpecialTokens) {
  const std::string text = "<|start_header_id|>Hi";
  EXPECT_EQ(ids_of(run_hearth({"tokenize", kLlama3, text})), (std::vector<int>{128000, 128006, 13347}));
  EXPECT_EQ(ids_of(run_hearth({"tokenize", kLlama3, text, "--no-bos"})), (std::vector<int>{128006, 13347}));
  const auto plain = ids_of(run_hearth({"tokenize", kLlama3, text, "--no-bos", "--no-special"}));
  EXPECT_GT(plain.size(), 3u);
  EXPECT_EQ(std::count(plain.begin(), plain.end(), 128006), 0);
  EXPECT_EQ(ids_of(run_hearth({"tokenize", kStories, "Once upon a time", "--no-bos"})),
            (std::vector<int>{403, 407, 261, 378}));
}

TEST(TokenizeCli, JsonOutputHasTokensPiecesAndCount) {
  const auto r = run_hearth({"tokenize", kBert, "Hello, World!", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("{\"tokens\":", 0), 0u) << r.out;  // keys in the documented order
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["tokens"].get<std::vector<int>>(), (std::vector<int>{101, 7592, 1010, 2088, 999, 102}));
  EXPECT_EQ(j["pieces"].get<std::vector<std::string>>(),
            (std::vector<std::string>{"[CLS]", " hello", " ,", " world", " !", "[SEP]"}));
  EXPECT_EQ(j["n_tokens"].get<int>(), 6);
}

TEST(TokenizeCli, ReadsStdinAndFiles) {
  const std::vector<int> expected = {1, 403, 407, 261, 378};
  EXPECT_EQ(ids_of(run_hearth({"tokenize", kStories, "-"}, "Once upon a time")), expected);
  const auto dir = hearth::test::temp_dir("hearth-tokenize");
  const auto path = dir / "prompt.txt";
  std::ofstream(path, std::ios::binary) << "Once upon a time";
  EXPECT_EQ(ids_of(run_hearth({"tokenize", kStories, "--text-file", path.string()})), expected);
  std::filesystem::remove_all(dir);
}

TEST(TokenizeCli, MalformedUtf8IsEncodedBytewise) {
  // 'a' then a stray 0xFF: byte fallback <0xFF> (id 3 + 0xFF) in the Llama vocabulary.
  EXPECT_EQ(ids_of(run_hearth({"tokenize", kStories, "-", "--no-bos"}, "a\xFF")),
            (std::vector<int>{261, 3 + 0xFF}));
  const auto r = run_hearth({"tokenize", kStories, "-", "--json"}, "a\xFF");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Pieces stay valid JSON: a lone byte is shown as U+FFFD.
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["pieces"].get<std::vector<std::string>>(), (std::vector<std::string>{"<s>", " a", "\xEF\xBF\xBD"}));
}

// --jsonl: every JSON string line gets the line a run of its own would print,
// in order; blank lines are skipped, escapes and multi-line texts decoded.
TEST(TokenizeCli, JsonlTokenizesEveryLineAsASingleRunWould) {
  const std::vector<std::string> texts = {"Once upon a time", "Lily and Ben\nwent to the park.", "",
                                          "\"quoted\" and tab\there", "<|start_header_id|>Hi \xC3\xA9"};
  std::string input;
  for (const std::string& t : texts) input += nlohmann::json(t).dump() + "\n\n";  // a blank line after each
  // SPM and WordPiece here; BPE: ConvertBpe (tests/convert) runs the
  // reference's strings through --jsonl
  for (const std::string& model : {kStories, kBert}) {
    for (const bool as_json : {false, true}) {
      if (as_json && model == kBert) continue;  // the pieces: stories260K's run shows them
      std::vector<std::string> args = {"tokenize", model, "-", "--jsonl", "--no-bos"};
      if (as_json) args.push_back("--json");
      const auto r = run_hearth(args, input);
      ASSERT_EQ(r.exit_code, 0) << r.err;
      std::istringstream lines(r.out);
      std::string line;
      for (const std::string& t : texts) {
        ASSERT_TRUE(std::getline(lines, line)) << "no line for " << t;
        std::vector<std::string> one = {"tokenize", model, "-", "--no-bos"};
        if (as_json) one.push_back("--json");
        const auto single = run_hearth(one, t);
        ASSERT_EQ(single.exit_code, 0) << single.err;
        EXPECT_EQ(line + "\n", single.out) << model << ": " << t;
      }
      EXPECT_FALSE(std::getline(lines, line)) << "extra output: " << line;
    }
  }
  // from a file, the same lines
  const auto dir = hearth::test::temp_dir("hearth-tokenize");
  const auto path = dir / "texts.jsonl";
  std::ofstream(path, std::ios::binary) << input;
  const auto f = run_hearth({"tokenize", kStories, "--text-file", path.string(), "--jsonl", "--no-bos"});
  EXPECT_EQ(f.out, run_hearth({"tokenize", kStories, "-", "--jsonl", "--no-bos"}, input).out);
  std::filesystem::remove_all(dir);
}

TEST(TokenizeCli, JsonlErrorsNameTheLineAndKeepTheLinesBefore) {
  const auto r = run_hearth({"tokenize", kStories, "-", "--jsonl"}, "\"Once\"\n\"upon\"\n{\"text\": 1}\n\"a time\"\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("line 3"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("JSON string"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 2) << r.out;  // the two lines before it
  const auto broken = run_hearth({"tokenize", kStories, "-", "--jsonl"}, "\"Once\"\n\"unterminated\n");
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_NE(broken.err.find("line 2: not valid JSON"), std::string::npos) << broken.err;
  const auto positional = run_hearth({"tokenize", kStories, "Once upon a time", "--jsonl"});
  EXPECT_NE(positional.exit_code, 0);
  EXPECT_NE(positional.err.find("--jsonl reads JSON lines"), std::string::npos) << positional.err;
}

TEST(TokenizeCli, ClearErrors) {
  auto r = run_hearth({"tokenize", kStories});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--text-file"), std::string::npos) << r.err;

  r = run_hearth({"tokenize", kStories, "x", "--text-file", "/nonexistent"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("excludes"), std::string::npos) << r.err;

  r = run_hearth({"tokenize", "/nonexistent/model.gguf", "x"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("/nonexistent/model.gguf"), std::string::npos) << r.err;

  r = run_hearth({"tokenize", kStories, "--text-file", "/nonexistent/prompt.txt"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("/nonexistent/prompt.txt"), std::string::npos) << r.err;
}

}  // namespace
