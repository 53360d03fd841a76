// ChatTemplate::apply conventions: context variables, BOS removal, kwargs,
// raise_exception, strftime_now with an injected clock, and the two
// capability polyfills (system role, object tool-call arguments).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "chat/chat_template.h"

namespace {

using hearth::chat::ChatTemplate;
using json = nlohmann::ordered_json;

json user_request(const std::string& text) {
  return json{{"messages", json::array({json{{"role", "user"}, {"content", text}}})}};
}

TEST(ChatTemplate, ContextVariables) {
  const ChatTemplate t(
      "{{ bos_token }}{{ eos_token }}|{{ add_generation_prompt }}|{{ tools is defined }}|"
      "{% for m in messages %}{{ m.role }}:{{ m.content }}{% endfor %}|{{ flavour }}");
  json req = user_request("hi");
  EXPECT_EQ(t.apply(req, "<B>", "<E>"), "<E>|False|False|user:hi|");  // leading BOS removed
  req["add_generation_prompt"] = true;
  req["tools"] = json::array();
  req["chat_template_kwargs"] = {{"flavour", "mint"}};
  EXPECT_EQ(t.apply(req, "<B>", "<E>"), "<E>|True|True|user:hi|mint");
}

TEST(ChatTemplate, OnlyALeadingBosIsRemoved) {
  const ChatTemplate t("x{{ bos_token }}");
  EXPECT_EQ(t.apply(user_request("hi"), "<s>", "</s>"), "x<s>");
  const ChatTemplate twice("{{ bos_token }}{{ bos_token }}y");
  EXPECT_EQ(twice.apply(user_request("hi"), "<s>", "</s>"), "<s>y");
}

TEST(ChatTemplate, RaiseExceptionCarriesTheMessage) {
  const ChatTemplate t("{% if messages | length > 1 %}{{ raise_exception('Only one message, please') }}{% endif %}ok");
  EXPECT_EQ(t.apply(user_request("a"), "", ""), "ok");
  json two = user_request("a");
  two["messages"].push_back(json{{"role", "assistant"}, {"content", "b"}});
  try {
    t.apply(two, "", "");
    FAIL() << "expected TemplateRaisedError";
  } catch (const hearth::chat::TemplateRaisedError& e) {
    EXPECT_STREQ(e.what(), "Only one message, please");
  }
}

TEST(ChatTemplate, StrftimeNowUsesTheInjectedClock) {
  ChatTemplate t("{{ strftime_now('%d %b %Y') }}");
  t.set_clock([] {
    std::tm tm{};
    tm.tm_year = 2024 - 1900;
    tm.tm_mon = 6;
    tm.tm_mday = 26;
    return tm;
  });
  EXPECT_EQ(t.apply(user_request("a"), "", ""), "26 Jul 2024");
}

TEST(ChatTemplate, SystemMessageMergedWhenTheTemplateRejectsIt) {
  const ChatTemplate t(
      "{% if messages[0].role == 'system' %}{{ raise_exception('no system') }}{% endif %}"
      "{% for m in messages %}[{{ m.role }}:{{ m.content }}]{% endfor %}");
  EXPECT_FALSE(t.supports_system_role());
  const json req = {{"messages", json::array({json{{"role", "system"}, {"content", "S"}},
                                              json{{"role", "user"}, {"content", "U"}},
                                              json{{"role", "assistant"}, {"content", "A"}}})}};
  EXPECT_EQ(t.apply(req, "", ""), "[user:S\nU][assistant:A]");

  const ChatTemplate plain("{% for m in messages %}[{{ m.role }}:{{ m.content }}]{% endfor %}");
  EXPECT_TRUE(plain.supports_system_role());
  EXPECT_EQ(plain.apply(req, "", ""), "[system:S][user:U][assistant:A]");
}

TEST(ChatTemplate, ToolArgumentsBecomeObjectsOnlyWhenTheTemplateNeedsThem) {
  const json req = {{"messages", json::array({json{{"role", "user"}, {"content", "U"}},
                                              json{{"role", "assistant"},
                                                   {"content", ""},
                                                   {"tool_calls", json::array({json{
                                                                      {"type", "function"},
                                                                      {"function", {{"name", "f"}, {"arguments", "{\"x\": 1}"}}}}})}}})}};
  const char* kLoop = "{% for m in messages %}{% for c in m.tool_calls %}";
  const ChatTemplate as_json(std::string(kLoop) + "{{ c.function.arguments | tojson }}{% endfor %}{% endfor %}");
  EXPECT_TRUE(as_json.requires_object_arguments());
  EXPECT_EQ(as_json.apply(req, "", ""), "{\"x\": 1}");
  const ChatTemplate as_text(std::string(kLoop) + "{{ c.function.arguments }}{% endfor %}{% endfor %}");
  EXPECT_FALSE(as_text.requires_object_arguments());
  EXPECT_EQ(as_text.apply(req, "", ""), "{\"x\": 1}");
}

TEST(ChatTemplate, MalformedRequestsAreClearErrors) {
  const ChatTemplate t("x");
  EXPECT_THROW(t.apply(json::array(), "", ""), hearth::FormatError);
  EXPECT_THROW(t.apply(json{{"messages", "nope"}}, "", ""), hearth::FormatError);
  EXPECT_THROW(t.apply(json{{"messages", json::array()}, {"chat_template_kwargs", 3}}, "", ""), hearth::FormatError);
  const json deep = json::parse(std::string(1000, '[') + std::string(1000, ']'));
  EXPECT_THROW(t.apply(json{{"messages", json::array({deep})}}, "", ""), hearth::FormatError);
}

TEST(ChatTemplate, SyntaxErrorsSurfaceAtConstruction) {
  try {
    ChatTemplate t("{% for %}");
    FAIL() << "expected a TemplateError";
  } catch (const hearth::jinja::TemplateError& e) {
    EXPECT_STREQ(e.what(), "line 1, column 8: expected a name, got '%}'");
  }
}

}  // namespace
