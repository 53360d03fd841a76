// `hearth tokens`, run as a user would: counts are checked against what
// `hearth tokenize` gives for the same text, and a chat file against the
// tokens of `hearth template`'s rendering of the same conversation.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "gguf/file.h"
#include "gguf/writer.h"
#include "test_data.h"

namespace hearth {
namespace {

using test::run_hearth;
using Json = nlohmann::ordered_json;

using hearth::test::kStories;
// A vocabulary with a chat template (ChatML) and a trained context.
const std::string kQwen2 = test::data_path("vocab/ggml-vocab-qwen2.gguf").string();

constexpr const char* kStory = "Lily and Ben went to the park. They saw a big dog.";
constexpr const char* kMessages =
    R"([{"role":"system","content":"Be brief."},{"role":"user","content":"Hello there, how are you?"}])";

class TokensCli : public testing::Test {
 protected:
  void SetUp() override { dir_ = test::temp_dir("hearth-tokens"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    const auto p = dir_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }

  static Json run_json(const std::vector<std::string>& args) {
    const auto r = run_hearth(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return Json::parse(r.out);
  }

  // Number of ids `hearth tokenize MODEL -` prints for the text.
  static size_t tokenize_count(const std::string& model, const std::string& text) {
    const auto r = run_hearth({"tokenize", model, "-"}, text);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return Json::parse(r.out).size();
  }

  std::filesystem::path dir_;
};

TEST_F(TokensCli, PlainTextCountsEqualTokenize) {
  const auto path = write("story.txt", kStory);
  for (const auto& model : {kStories, kQwen2}) {
    SCOPED_TRACE(model);
    const Json j = run_json({"tokens", path, "--model", model, "--json"});
    ASSERT_EQ(j["files"].size(), 1u);
    EXPECT_EQ(j["files"][0]["path"], path);
    EXPECT_EQ(j["files"][0]["kind"], "text");
    EXPECT_EQ(j["files"][0]["tokens"].get<size_t>(), tokenize_count(model, kStory));
  }
}

TEST_F(TokensCli, ChatFileCountsTheRenderedTemplate) {
  // The same conversation as `hearth template` renders it, reply prompt added.
  const auto request = write("request.txt", std::string(R"({"add_generation_prompt":true,"messages":)") +
                                                kMessages + "}");
  const auto rendered = run_hearth({"template", kQwen2, "--request", request});
  ASSERT_EQ(rendered.exit_code, 0) << rendered.err;
  ASSERT_NE(rendered.out.find("<|im_start|>assistant"), std::string::npos) << rendered.out;
  const size_t expected = tokenize_count(kQwen2, rendered.out);

  const auto chat = write("chat.json", std::string(R"({"messages":)") + kMessages + "}");
  const auto bare = write("bare.json", kMessages);
  const Json j = run_json({"tokens", chat, bare, "--model", kQwen2, "--json"});
  ASSERT_EQ(j["files"].size(), 2u);
  for (const auto& f : j["files"]) {
    EXPECT_EQ(f["kind"], "chat");
    EXPECT_EQ(f["tokens"].get<size_t>(), expected) << f["path"];
  }
  EXPECT_EQ(j["totals"]["tokens"].get<size_t>(), 2 * expected);
}

TEST_F(TokensCli, ChatFileWithoutTemplateUsesThePlainPrompt) {
  // stories260K has no template: the plain "Role: content" prompt serve builds.
  const auto chat = write("chat.json", kMessages);
  const Json j = run_json({"tokens", chat, "--model", kStories, "--json"});
  EXPECT_EQ(j["files"][0]["tokens"].get<size_t>(),
            tokenize_count(kStories, "System: Be brief.\nUser: Hello there, how are you?\nAssistant:"));
}

TEST_F(TokensCli, ContentPartsCountAsTheirJoinedText) {
  // OpenAI content parts, joined as hearth serve joins them (chat/message_content.h).
  const auto parts = write("parts.json", R"([{"role":"system","content":[{"type":"text","text":"Be brief."}]},
    {"role":"user","content":[{"type":"text","text":"Hello there, "},{"type":"text","text":"how are you?"}]}])");
  const auto plain = write("plain.json", kMessages);
  for (const auto& model : {kStories, kQwen2}) {
    SCOPED_TRACE(model);
    const Json j = run_json({"tokens", parts, plain, "--model", model, "--json"});
    EXPECT_EQ(j["files"][0]["tokens"], j["files"][1]["tokens"]);
  }
  const auto image = write("image.json", R"([{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}])");
  const auto r = run_hearth({"tokens", image, "--model", kStories});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(image + ": messages[0].content[0]: only text content is supported"), std::string::npos) << r.err;
}

TEST_F(TokensCli, FitsFollowsTheContext) {
  const auto path = write("story.txt", kStory);
  const size_t n = tokenize_count(kStories, kStory);
  Json j = run_json({"tokens", path, "--model", kStories, "--json"});
  EXPECT_EQ(j["ctx"].get<int64_t>(), 2048);  // stories260K's llama.context_length
  EXPECT_TRUE(j["files"][0]["fits"].get<bool>());
  j = run_json({"tokens", path, "--model", kStories, "--json", "--ctx", std::to_string(n)});
  EXPECT_TRUE(j["files"][0]["fits"].get<bool>());
  j = run_json({"tokens", path, "--model", kStories, "--json", "--ctx", std::to_string(n - 1)});
  EXPECT_FALSE(j["files"][0]["fits"].get<bool>());

  const auto r = run_hearth({"tokens", path, "--model", kStories, "--ctx", std::to_string(n - 1)});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(" no "), std::string::npos) << r.out;
}

TEST_F(TokensCli, CostIsTokensTimesInputPrice) {
  const auto path = write("story.txt", kStory);
  const auto prices = write("prices.json", R"({"prices":[{"name":"A","input_per_million":2.5,"output_per_million":10},
                                                        {"name":"B","input_per_million":0,"output_per_million":1}]})");
  const auto chat = write("chat.json", kMessages);
  const Json j = run_json({"tokens", path, chat, "--model", kStories, "--prices", prices, "--json"});
  size_t total = 0;
  for (const auto& f : j["files"]) {
    const double tokens = f["tokens"].get<double>();
    total += f["tokens"].get<size_t>();
    EXPECT_DOUBLE_EQ(f["input_cost_usd"]["A"].get<double>(), tokens * 2.5 / 1e6);
    EXPECT_EQ(f["input_cost_usd"]["B"].get<double>(), 0.0);
  }
  EXPECT_EQ(j["totals"]["tokens"].get<size_t>(), total);
  EXPECT_DOUBLE_EQ(j["totals"]["input_cost_usd"]["A"].get<double>(), static_cast<double>(total) * 2.5 / 1e6);

  // Without --prices: the built-in table (GPT-5.5 at $5 per M input tokens).
  const Json d = run_json({"tokens", path, "--model", kStories, "--json"});
  EXPECT_DOUBLE_EQ(d["files"][0]["input_cost_usd"]["GPT-5.5"].get<double>(),
                   d["files"][0]["tokens"].get<double>() * 5.0 / 1e6);
}

TEST_F(TokensCli, TableListsEveryFileAndTheTotal) {
  const auto a = write("a.txt", kStory);
  const auto b = write("b.txt", "Once upon a time");
  const auto r = run_hearth({"tokens", a, b, "--model", kStories});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("context: 2048 tokens"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("GPT-5.5"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(a), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(b), std::string::npos) << r.out;
  const size_t total = tokenize_count(kStories, kStory) + tokenize_count(kStories, "Once upon a time");
  EXPECT_NE(r.out.find("total"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" " + std::to_string(total) + " "), std::string::npos) << r.out;
}

TEST_F(TokensCli, ClearErrors) {
  auto r = run_hearth({"tokens", (dir_ / "missing.txt").string(), "--model", kStories});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("missing.txt: cannot open"), std::string::npos) << r.err;

  r = run_hearth({"tokens", write("bad.json", "{\"messages\": [oops"), "--model", kStories});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("bad.json: not valid JSON"), std::string::npos) << r.err;

  r = run_hearth({"tokens", write("other.json", R"({"prompt":"hi"})"), "--model", kStories});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("other.json: expected a chat request"), std::string::npos) << r.err;

  r = run_hearth({"tokens", write("nocontent.json", R"([{"role":"user"}])"), "--model", kStories});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("nocontent.json: messages[0]"), std::string::npos) << r.err;

  // A GGUF with the model's metadata but no tokenizer.* keys.
  const auto src = gguf::File::open(kStories);
  const auto layout = gguf::Layout::of(src, src.version());
  std::vector<gguf::KeyValue> meta;
  for (const auto& kv : layout.metadata()) {
    if (kv.first.rfind("tokenizer.", 0) != 0) meta.push_back(kv);
  }
  const auto bare = dir_ / "no-tokenizer.gguf";
  gguf::Writer w(bare, gguf::Layout(meta, {}, src.version()));
  w.commit();
  r = run_hearth({"tokens", write("a.txt", kStory), "--model", bare.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no tokenizer"), std::string::npos) << r.err;

  r = run_hearth({"tokens", write("b.txt", kStory)});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--model"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace hearth
