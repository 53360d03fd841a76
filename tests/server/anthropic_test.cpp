// The Anthropic dialect through Router::handle on the tiny model: the
// Message object, the SSE event sequence, stop sequences, exact usage, and
// bad fields answered with a 400 in Anthropic's error shape naming the field.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "router_fixture.h"

namespace hearth::server {
namespace {

using json = nlohmann::json;
using AnthropicTest = RouterFixture;

const char* kChat = R"("messages":[{"role":"user","content":"Hello there"}])";

std::string messages_body(const std::string& extra) {
  return std::string(R"({"model":"tiny-llama-Q8_0",)") + kChat + (extra.empty() ? "" : "," + extra) + "}";
}

// SSE "event: NAME\ndata: JSON\n\n" blocks, in order.
std::vector<std::pair<std::string, json>> parse_sse(const std::string& sse) {
  std::vector<std::pair<std::string, json>> events;
  std::istringstream in(sse);
  std::string line, name;
  while (std::getline(in, line)) {
    if (line.starts_with("event: ")) name = line.substr(7);
    if (line.starts_with("data: ")) events.emplace_back(name, json::parse(line.substr(6)));
  }
  return events;
}

void expect_anthropic_error(const HttpReply& r, int status, const std::string& type, const std::string& mentions) {
  EXPECT_EQ(r.status, status) << r.body;
  const json j = json::parse(r.body);
  EXPECT_EQ(j["type"], "error") << r.body;
  EXPECT_EQ(j["error"]["type"], type) << r.body;
  EXPECT_NE(j["error"]["message"].get<std::string>().find(mentions), std::string::npos)
      << "expected '" << mentions << "' in " << r.body;
}

TEST_F(AnthropicTest, MessageHasTextStopReasonAndExactUsage) {
  Router router(*model_, config_);
  HttpReply r = router.handle(post("/v1/messages", messages_body(R"("max_tokens":6,"system":"Be brief.")")));
  ASSERT_EQ(r.status, 200) << r.body;
  const json j = json::parse(body_of(r));
  EXPECT_EQ(j["type"], "message");
  EXPECT_EQ(j["role"], "assistant");
  EXPECT_EQ(j["model"], "tiny-llama-Q8_0");
  EXPECT_EQ(j["content"][0]["type"], "text");
  EXPECT_EQ(j["stop_reason"], "max_tokens");  // random weights never end by themselves
  EXPECT_TRUE(j["stop_sequence"].is_null());
  EXPECT_EQ(j["usage"]["output_tokens"], 6);

  // input_tokens: the tokens of the prompt that system + messages render to,
  // as count_tokens and the model service's own rendering say.
  const json msgs = json::parse(R"([{"role":"system","content":"Be brief."},{"role":"user","content":"Hello there"}])");
  const auto expected = model_->chat_prompt(nlohmann::ordered_json(msgs)).size();
  EXPECT_EQ(j["usage"]["input_tokens"], expected);
  HttpReply c = router.handle(post("/v1/messages/count_tokens",
                                   messages_body(R"("system":[{"type":"text","text":"Be "},{"type":"text","text":"brief."}])")));
  ASSERT_EQ(c.status, 200) << c.body;
  EXPECT_EQ(json::parse(c.body)["input_tokens"], expected);
}

TEST_F(AnthropicTest, StreamFollowsTheDocumentedEventSequence) {
  Router router(*model_, config_);
  HttpReply whole = router.handle(post("/v1/messages", messages_body(R"("max_tokens":8,"temperature":0)")));
  const json w = json::parse(body_of(whole));
  HttpReply r = router.handle(post("/v1/messages", messages_body(R"("max_tokens":8,"temperature":0,"stream":true)")));
  ASSERT_TRUE(r.streamed);
  EXPECT_EQ(r.content_type, "text/event-stream");
  const auto events = parse_sse(drain(*r.source));
  ASSERT_GE(events.size(), 7u);
  std::vector<std::string> names;
  std::string text;
  for (const auto& [name, data] : events) {
    EXPECT_EQ(data["type"], name);  // each event's data names it too
    if (name == "content_block_delta") {
      EXPECT_EQ(data["delta"]["type"], "text_delta");
      text += data["delta"]["text"].get<std::string>();
      if (names.back() == "content_block_delta") continue;
    }
    names.push_back(name);
  }
  const std::vector<std::string> expected = {"message_start",       "content_block_start", "ping",
                                             "content_block_delta", "content_block_stop",  "message_delta",
                                             "message_stop"};
  EXPECT_EQ(names, expected);
  EXPECT_EQ(events[0].second["message"]["usage"]["input_tokens"], w["usage"]["input_tokens"]);
  const json& delta = events[events.size() - 2].second;
  EXPECT_EQ(delta["delta"]["stop_reason"], "max_tokens");
  EXPECT_EQ(delta["usage"]["output_tokens"], 8);
  EXPECT_EQ(text, w["content"][0]["text"]);  // temperature 0: the same text
}

TEST_F(AnthropicTest, StopSequenceEndsTheTextAndIsReported) {
  Router router(*model_, config_);
  HttpReply free = router.handle(post("/v1/messages", messages_body(R"("max_tokens":24,"temperature":0)")));
  const std::string text = json::parse(body_of(free))["content"][0]["text"];
  ASSERT_GE(text.size(), 8u) << text;
  const std::string stop = text.substr(text.size() / 2, 2);
  const std::string before = text.substr(0, text.find(stop));
  HttpReply r = router.handle(post(
      "/v1/messages", messages_body(R"("max_tokens":24,"temperature":0,"stop_sequences":["zz-never",)" + json(stop).dump() + "]")));
  const json j = json::parse(body_of(r));
  EXPECT_EQ(j["content"][0]["text"], before);
  EXPECT_EQ(j["stop_reason"], "stop_sequence");
  EXPECT_EQ(j["stop_sequence"], stop);
}

TEST_F(AnthropicTest, BadRequestsNameTheFieldInAnthropicShape) {
  Router router(*model_, config_);
  const struct {
    std::string body;
    std::string mentions;
  } cases[] = {
      {messages_body(""), "max_tokens"},
      {messages_body(R"("max_tokens":"5")"), "max_tokens"},
      {messages_body(R"("max_tokens":0)"), "max_tokens"},
      {messages_body(R"("max_tokens":5,"temperature":1.5)"), "temperature"},
      {messages_body(R"("max_tokens":5,"top_p":"x")"), "top_p"},
      {messages_body(R"("max_tokens":5,"top_k":-1)"), "top_k"},
      {messages_body(R"("max_tokens":5,"stop_sequences":"END")"), "stop_sequences"},
      {messages_body(R"("max_tokens":5,"stop_sequences":[""])"), "stop_sequences"},
      {messages_body(R"("max_tokens":5,"stream":"yes")"), "stream"},
      {messages_body(R"("max_tokens":5,"system":5)"), "system"},
      {messages_body(R"("max_tokens":5,"tools":[])"), "tools"},
      {R"({"model":"tiny-llama-Q8_0","max_tokens":5,"messages":[]})", "messages"},
      {R"({"model":"tiny-llama-Q8_0","max_tokens":5,"messages":[{"role":"system","content":"x"}]})", "messages[0].role"},
      {R"({"model":"tiny-llama-Q8_0","max_tokens":5,"messages":[{"role":"user","content":[{"type":"image","source":{}}]}]})",
       "messages[0].content[0]"},
      {R"({"max_tokens":5,"messages":[{"role":"user","content":"x"}]})", "model"},
      {"{\"model\":", "not valid JSON"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body);
    expect_anthropic_error(router.handle(post("/v1/messages", c.body)), 400, "invalid_request_error", c.mentions);
  }
  expect_anthropic_error(router.handle(post("/v1/messages", messages_body(R"("max_tokens":500)"))), 400,
                         "invalid_request_error", "256");  // the context, with the tokens needed
  expect_anthropic_error(router.handle(post("/v1/messages", R"({"model":"nope","max_tokens":5,"messages":[]})")), 404,
                         "not_found_error", "nope");
  expect_anthropic_error(router.handle(post("/v1/messages", messages_body(R"("max_tokens":5)"), false)), 401,
                         "authentication_error", "API key");
  expect_anthropic_error(router.handle(post("/v1/messages/count_tokens", R"({"messages":[]})")), 400,
                         "invalid_request_error", "model");
  expect_anthropic_error(router.handle(post("/v1/messages/nothing", "{}")), 404, "not_found_error", "no such endpoint");
}

}  // namespace
}  // namespace hearth::server
