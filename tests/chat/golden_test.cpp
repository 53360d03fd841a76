// Every template golden of the reference renders to exactly the expected
// prompt (string equality, no tolerance: prompts are text), or fails when the
// reference failed. Every real template in tests/data/chat-templates parses
// and renders a plain system + user conversation.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <optional>
#include <nlohmann/json.hpp>

#include "chat/chat_template.h"
#include "test_data.h"

namespace {

using hearth::chat::ChatTemplate;
using json = nlohmann::ordered_json;

std::vector<std::filesystem::path> files_in(const std::string& dir, const std::string& ext) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(hearth::test::data_path(dir))) {
    if (e.path().extension() == ext) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(ChatGolden, AllTemplateGoldensRenderExactly) {
  const auto goldens = files_in("templates", ".json");
  ASSERT_EQ(goldens.size(), 24u);
  int passed = 0;
  for (const auto& path : goldens) {
    SCOPED_TRACE(path.filename().string());
    const json g = json::parse(hearth::test::read_text(path));
    const ChatTemplate t(hearth::test::read_text(
        hearth::test::data_path("chat-templates/" + g["template_file"].get<std::string>())));
    // Error goldens omit the tokens; the reference convention is <s> / </s>.
    const std::string bos = g.value("bos_token", std::string("<s>"));
    const std::string eos = g.value("eos_token", std::string("</s>"));
    if (!g.value("error", json()).is_null()) {
      // The reference rejected the request; the template's own error must surface.
      EXPECT_THROW(t.apply(g["request"], bos, eos), hearth::chat::TemplateRaisedError);
      ++passed;
      continue;
    }
    const std::string got = t.apply(g["request"], bos, eos);
    EXPECT_EQ(got, g["expected_prompt"].get<std::string>());
    if (got == g["expected_prompt"].get<std::string>()) ++passed;
  }
  EXPECT_EQ(passed, 24);
}

TEST(ChatGolden, ErrorGoldensCarryTheTemplateMessage) {
  const json g = json::parse(hearth::test::read_text(hearth::test::data_path("templates/google-gemma-2-2b-it.tools.json")));
  const ChatTemplate t(hearth::test::read_text(hearth::test::data_path("chat-templates/google-gemma-2-2b-it.jinja")));
  try {
    t.apply(g["request"], "<s>", "</s>");
    FAIL() << "expected the template to raise";
  } catch (const hearth::chat::TemplateRaisedError& e) {
    EXPECT_STREQ(e.what(), "Conversation roles must alternate user/assistant/user/assistant/...");
  }
}

TEST(ChatGolden, EveryRealTemplateParsesAndRendersASimpleConversation) {
  const auto templates = files_in("chat-templates", ".jinja");
  ASSERT_EQ(templates.size(), 70u);
  const json request = json::parse(R"({
    "messages": [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Hello"}],
    "add_generation_prompt": true})");
  // Two templates need inputs beyond a plain conversation (Jinja2 fails on them
  // too): firefunction concatenates `functions` and `datetime` into its system
  // prompt; functionary v3.1 filters `tools`, which may not be none.
  const std::map<std::string, json> extra = {
      {"fireworks-ai-llama-3-firefunction-v2.jinja",
       json{{"chat_template_kwargs", {{"functions", "[]"}, {"datetime", "2024-07-26"}}}}},
      {"meetkai-functionary-medium-v3.1.jinja", json{{"tools", json::array()}}},
  };
  int parsed = 0, rendered = 0;
  for (const auto& path : templates) {
    SCOPED_TRACE(path.filename().string());
    json req = request;
    if (const auto it = extra.find(path.filename().string()); it != extra.end()) req.update(it->second);
    std::optional<ChatTemplate> t;
    try {
      t.emplace(hearth::test::read_text(path));
      ++parsed;
    } catch (const hearth::Error& e) {
      ADD_FAILURE() << "parse: " << e.what();
      continue;
    }
    try {
      const std::string out = t->apply(req, "<s>", "</s>");
      EXPECT_NE(out.find("Hello"), std::string::npos) << out;
      ++rendered;
    } catch (const hearth::Error& e) {
      ADD_FAILURE() << "render: " << e.what();
    }
  }
  EXPECT_EQ(parsed, 70);
  EXPECT_EQ(rendered, 70);
}

}  // namespace
