// chat/message_content.h: content parts reduced to text, as `hearth serve`
// and `hearth tokens` both read them.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "chat/message_content.h"
#include "core/error.h"

namespace hearth::chat {
namespace {

using Json = nlohmann::ordered_json;

TEST(MessageContent, TextPartsAreJoinedInOrder) {
  const Json parts = Json::parse(R"([{"type":"text","text":"Hello, "},{"type":"text","text":"world"}])");
  EXPECT_EQ(content_to_text(parts, "content"), "Hello, world");
  EXPECT_EQ(content_to_text(Json("plain"), "content"), "plain");
  EXPECT_EQ(content_to_text(Json::array(), "content"), "");
}

TEST(MessageContent, FlattenKeepsEverythingButArrayContents) {
  const Json in = Json::parse(R"([
    {"role":"system","content":"Be brief."},
    {"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}],"name":"x"},
    {"role":"assistant","content":null,"tool_calls":[]}])");
  const Json out = flatten_message_content(in);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0], in[0]);
  EXPECT_EQ(out[1]["content"], "ab");
  EXPECT_EQ(out[1]["name"], "x");
  EXPECT_EQ(out[2], in[2]);
}

TEST(MessageContent, MalformedContentNamesTheField) {
  struct Case {
    const char* messages;
    const char* says;
  };
  const Case cases[] = {
      {R"([])", "messages must be a non-empty array"},
      {R"({"role":"user"})", "messages must be a non-empty array"},
      {R"(["hi"])", "messages[0] must be an object"},
      {R"([{"role":"user","content":[{"type":"image_url","image_url":{}}]}])",
       "messages[0].content[0]: only text content is supported (got type \"image_url\")"},
      {R"([{"role":"user","content":"a"},{"role":"user","content":[{"text":"b"}]}])",
       "messages[1].content[0] must be an object with a type"},
      {R"([{"role":"user","content":[{"type":"text","text":3}]}])", "messages[0].content[0].text must be a string"},
  };
  for (const Case& c : cases) {
    try {
      flatten_message_content(Json::parse(c.messages));
      ADD_FAILURE() << c.messages << " was accepted";
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find(c.says), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(content_to_text(Json(42), "system"), FormatError);
}

}  // namespace
}  // namespace hearth::chat
