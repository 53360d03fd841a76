// gateway/redact.h: each built-in rule on text that should and should not
// match, the checksums, user rules, and the request fields of both dialects.
#include <gtest/gtest.h>

#include "core/error.h"
#include "gateway/redact.h"

namespace hearth::gateway {
namespace {

using Json = nlohmann::json;

const Redactor& builtins() {
  static const Redactor r(builtin_redaction_rules());
  return r;
}

std::string redact(const std::string& text, RedactionCounts* counts = nullptr) {
  RedactionCounts local;
  return builtins().redact_text(text, counts ? *counts : local);
}

TEST(Redact, Emails) {
  RedactionCounts c;
  EXPECT_EQ(redact("mail jane.doe+x@example.co.uk or bob@corp.example.", &c),
            "mail [REDACTED:email] or [REDACTED:email].");
  EXPECT_EQ(c, (RedactionCounts{{"email", 2}}));
  EXPECT_EQ(redact("no address @ here, user@localhost"), "no address @ here, user@localhost");
}

TEST(Redact, ApiKeys) {
  RedactionCounts c;
  const std::string text = "keys: sk-proj-Abc123def456GHI789jkl0, AKIAIOSFODNN7EXAMPLE, "
                           "ghp_0123456789abcdefghijABCDEFGHIJ012345 and sk-ant-api03-xyzXYZ0123456789abcd";
  EXPECT_EQ(redact(text, &c), "keys: [REDACTED:api_key], [REDACTED:api_key], [REDACTED:api_key] and [REDACTED:api_key]");
  EXPECT_EQ(c["api_key"], 4);
  EXPECT_EQ(redact("a task-list item, sk-short, AKIA1234"), "a task-list item, sk-short, AKIA1234");
}

TEST(Redact, CreditCardsOnlyWhenLuhnValid) {
  RedactionCounts c;
  // 4111 1111 1111 1111 and 5500-0000-0000-0004 are the well-known test numbers.
  EXPECT_EQ(redact("card 4111 1111 1111 1111, 5500-0000-0000-0004, 4111111111111112", &c),
            "card [REDACTED:credit_card], [REDACTED:credit_card], 4111111111111112");
  EXPECT_EQ(c["credit_card"], 2);
  EXPECT_TRUE(luhn_valid("79927398713"));
  EXPECT_FALSE(luhn_valid("79927398710"));
  EXPECT_FALSE(luhn_valid("7992x398713"));
}

TEST(Redact, IbansOnlyWhenMod97Valid) {
  RedactionCounts c;
  EXPECT_EQ(redact("pay DE89 3704 0044 0532 0130 00 or GB82WEST12345698765432 now", &c),
            "pay [REDACTED:iban] or [REDACTED:iban] now");
  EXPECT_EQ(c["iban"], 2);
  RedactionCounts bad;
  redact("not DE00 3704 0044 0532 0130 00", &bad);  // wrong check digits
  EXPECT_EQ(bad.count("iban"), 0u);
  EXPECT_TRUE(iban_valid("GB82WEST12345698765432"));
  EXPECT_FALSE(iban_valid("GB82WEST12345698765433"));
}

TEST(Redact, Ipv4) {
  EXPECT_EQ(redact("from 192.168.1.20 and 10.0.0.1."), "from [REDACTED:ipv4] and [REDACTED:ipv4].");
  EXPECT_EQ(redact("version 1.2.3.4.5 and 256.1.1.1"), "version 1.2.3.4.5 and 256.1.1.1");
}

TEST(Redact, PhoneNumbers) {
  RedactionCounts c;
  EXPECT_EQ(redact("call +1 415-555-0100, (020) 7946 0958 or +44 20 7946 0958", &c),
            "call [REDACTED:phone], [REDACTED:phone] or [REDACTED:phone]");
  EXPECT_EQ(c["phone"], 3);
  // Dates, times, small numbers and versions are not phone numbers.
  EXPECT_EQ(redact("on 2026-11-28 at 10:30, 42 items, v3.11"), "on 2026-11-28 at 10:30, 42 items, v3.11");
}

TEST(Redact, UserRulesForIdsComeAfterBuiltins) {
  std::vector<RedactionRule> rules = builtin_redaction_rules();
  rules.push_back({"employee_id", R"(\bEMP-\d{6}\b)"});
  const Redactor r(std::move(rules));
  RedactionCounts c;
  EXPECT_EQ(r.redact_text("EMP-004211 (emp@corp.com) and EMP-12", c), "[REDACTED:employee_id] ([REDACTED:email]) and EMP-12");
  EXPECT_EQ(c, (RedactionCounts{{"email", 1}, {"employee_id", 1}}));
}

TEST(Redact, UnicodeTextAroundMatchesSurvives) {
  EXPECT_EQ(redact("écrivez à zoë@exemple.fr — merci ✓"), "écrivez à [REDACTED:email] — merci ✓");
}

TEST(Redact, BadRulesAndTextAreClearErrors) {
  try {
    Redactor r(std::vector<RedactionRule>{{"broken", "(unclosed"}});
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("redaction rule \"broken\""), std::string::npos) << e.what();
  }
  EXPECT_THROW(Redactor(std::vector<RedactionRule>{{"a", "x"}, {"a", "y"}}), FormatError);
  EXPECT_THROW(Redactor(std::vector<RedactionRule>{{"", "x"}}), FormatError);
  EXPECT_THROW(builtin_redaction_rule("ssn"), FormatError);
  EXPECT_EQ(builtin_redaction_rule("email").name, "email");
  RedactionCounts c;
  EXPECT_THROW(builtins().redact_text("bad \xff utf-8 a@b.cc", c), FormatError);
}

TEST(Redact, EmptyMatchesDoNotLoop) {
  const Redactor r(std::vector<RedactionRule>{{"maybe", "x*"}});
  RedactionCounts c;
  EXPECT_EQ(r.redact_text("axxb", c), "a[REDACTED:maybe]b");
  EXPECT_EQ(c["maybe"], 1);
}

TEST(RedactRequest, OpenAiChat) {
  Json body = Json::parse(R"({
    "model": "gpt", "temperature": 0,
    "messages": [
      {"role": "system", "content": "Support for ops@corp.com"},
      {"role": "user", "content": [{"type": "text", "text": "my card 4111 1111 1111 1111"},
                                   {"type": "image_url", "image_url": {"url": "https://x.example/a.png"}}]},
      {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function",
        "function": {"name": "lookup", "arguments": "{\"email\": \"jane@doe.org\"}"}}]},
      {"role": "tool", "tool_call_id": "c1", "content": "phone +1 415-555-0100"}
    ]})");
  const RedactionCounts c = builtins().redact_request(body);
  EXPECT_EQ(c, (RedactionCounts{{"credit_card", 1}, {"email", 2}, {"phone", 1}}));
  EXPECT_EQ(body["messages"][0]["content"], "Support for [REDACTED:email]");
  EXPECT_EQ(body["messages"][1]["content"][0]["text"], "my card [REDACTED:credit_card]");
  EXPECT_EQ(body["messages"][1]["content"][1]["image_url"]["url"], "https://x.example/a.png");
  EXPECT_EQ(body["messages"][2]["tool_calls"][0]["function"]["arguments"], "{\"email\": \"[REDACTED:email]\"}");
  EXPECT_EQ(body["messages"][3]["content"], "phone [REDACTED:phone]");
  EXPECT_EQ(body["model"], "gpt");
}

TEST(RedactRequest, CompletionsAndEmbeddings) {
  Json completion = {{"model", "m"}, {"prompt", {"to a@b.io", "plain"}}};
  EXPECT_EQ(builtins().redact_request(completion)["email"], 1);
  EXPECT_EQ(completion["prompt"], (Json{"to [REDACTED:email]", "plain"}));

  Json embedding = {{"model", "m"}, {"input", "host 10.1.2.3"}};
  EXPECT_EQ(builtins().redact_request(embedding)["ipv4"], 1);
  EXPECT_EQ(embedding["input"], "host [REDACTED:ipv4]");

  Json tokens = {{"model", "m"}, {"input", {1, 2, 3}}};  // token ids are not text
  EXPECT_TRUE(builtins().redact_request(tokens).empty());
  EXPECT_EQ(tokens["input"], (Json{1, 2, 3}));
}

TEST(RedactRequest, AnthropicMessages) {
  Json body = Json::parse(R"({
    "model": "claude", "max_tokens": 100,
    "system": [{"type": "text", "text": "Reply to boss@corp.com"}],
    "messages": [
      {"role": "user", "content": "AKIAIOSFODNN7EXAMPLE is my key"},
      {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "card",
                                         "input": {"number": "5500-0000-0000-0004", "nested": ["x@y.zz"]}}]},
      {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1",
                                    "content": [{"type": "text", "text": "ip 8.8.8.8"}]}]}
    ]})");
  const RedactionCounts c = builtins().redact_request(body);
  EXPECT_EQ(c, (RedactionCounts{{"api_key", 1}, {"credit_card", 1}, {"email", 2}, {"ipv4", 1}}));
  EXPECT_EQ(body["system"][0]["text"], "Reply to [REDACTED:email]");
  EXPECT_EQ(body["messages"][0]["content"], "[REDACTED:api_key] is my key");
  EXPECT_EQ(body["messages"][1]["content"][0]["input"]["number"], "[REDACTED:credit_card]");
  EXPECT_EQ(body["messages"][1]["content"][0]["input"]["nested"][0], "[REDACTED:email]");
  EXPECT_EQ(body["messages"][2]["content"][0]["content"][0]["text"], "ip [REDACTED:ipv4]");
  EXPECT_EQ(body["messages"][1]["content"][0]["name"], "card");
}

TEST(RedactRequest, NotAnObjectIsRefused) {
  Json body = Json::array();
  EXPECT_THROW(builtins().redact_request(body), FormatError);
}

}  // namespace
}  // namespace hearth::gateway
