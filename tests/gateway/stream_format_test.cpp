// Stream completeness, the error events that end a broken stream, and a
// cached JSON answer replayed as the SSE an OpenAI client parses.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "gateway/stream_format.h"

namespace hearth::gateway {
namespace {

using Json = nlohmann::json;

TEST(GatewayStreamFormat, CompletenessPerDialect) {
  EXPECT_TRUE(stream_complete("/v1/chat/completions", "data: {}\n\ndata: [DONE]\n\n"));
  EXPECT_FALSE(stream_complete("/v1/chat/completions", "data: {}\n\n"));
  EXPECT_TRUE(stream_complete("/v1/messages", "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"));
  EXPECT_FALSE(stream_complete("/v1/messages", "data: [DONE]\n\n"));
}

TEST(GatewayStreamFormat, ErrorEventsEndTheStream) {
  const std::string e = stream_error_events("/v1/chat/completions", "node a died");
  ASSERT_EQ(e.rfind("data: ", 0), 0u);
  const Json j = Json::parse(e.substr(6, e.find("\n\n") - 6));
  EXPECT_EQ(j["error"]["message"], "node a died");
  EXPECT_TRUE(e.ends_with("data: [DONE]\n\n"));
  const std::string a = stream_error_events("/v1/messages", "x");
  EXPECT_EQ(a.rfind("event: error\ndata: ", 0), 0u);
  EXPECT_EQ(Json::parse(a.substr(19))["error"]["message"], "x");
}

TEST(GatewayStreamFormat, AnswerOk) {
  EXPECT_TRUE(answer_ok(R"({"choices":[]})"));
  EXPECT_FALSE(answer_ok(R"({"error":{"message":"x"}})"));
  EXPECT_FALSE(answer_ok(R"({"choices":[)"));
  EXPECT_FALSE(answer_ok("[]"));
}

// The events of an SSE text as JSON (the [DONE] line as a string).
std::vector<Json> events(const std::string& sse) {
  std::vector<Json> out;
  size_t pos = 0;
  while ((pos = sse.find("data: ", pos)) != std::string::npos) {
    const size_t end = sse.find("\n\n", pos);
    const std::string data = sse.substr(pos + 6, end - pos - 6);
    out.push_back(data == "[DONE]" ? Json("[DONE]") : Json::parse(data));
    pos = end;
  }
  return out;
}

TEST(GatewayStreamFormat, ChatAnswerReplayedAsChunks) {
  const std::string body = R"({"id":"c1","object":"chat.completion","created":7,"model":"m",
    "choices":[{"index":0,"message":{"role":"assistant","content":"Once upon"},"finish_reason":"length"}],
    "usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}})";
  const auto sse = sse_from_json("/v1/chat/completions", body);
  ASSERT_TRUE(sse);
  const auto ev = events(*sse);
  ASSERT_EQ(ev.size(), 4u);
  EXPECT_EQ(ev[0]["object"], "chat.completion.chunk");
  EXPECT_EQ(ev[0]["id"], "c1");
  EXPECT_EQ(ev[0]["choices"][0]["delta"]["content"], "Once upon");
  EXPECT_EQ(ev[1]["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(ev[2]["usage"]["total_tokens"], 5);
  EXPECT_EQ(ev[3], "[DONE]");
}

TEST(GatewayStreamFormat, CompletionAnswerReplayedAndOthersRefused) {
  const auto sse = sse_from_json("/v1/completions",
                                 R"({"id":"x","choices":[{"index":0,"text":"abc","finish_reason":"stop"}]})");
  ASSERT_TRUE(sse);
  const auto ev = events(*sse);
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0]["choices"][0]["text"], "abc");
  EXPECT_EQ(ev[1]["choices"][0]["finish_reason"], "stop");
  EXPECT_FALSE(sse_from_json("/v1/embeddings", R"({"data":[]})"));
  EXPECT_FALSE(sse_from_json("/v1/messages", R"({"content":[]})"));
  EXPECT_FALSE(sse_from_json("/v1/chat/completions", R"({"no":"choices"})"));
}

}  // namespace
}  // namespace hearth::gateway
