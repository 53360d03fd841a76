// gateway/cache_replay.h: one cache entry answers each client as it asked —
// the stream's usage-only chunk only to a client that sent
// stream_options.include_usage, whichever client's request stored it.
#include <gtest/gtest.h>

#include "gateway/cache_replay.h"
#include "gateway/canonical.h"
#include "gateway/stream_usage.h"

namespace hearth::gateway {
namespace {

using Json = nlohmann::json;

const std::string kChat = "/v1/chat/completions";
// A stream as a node sends it when asked for the usage: "usage": null on
// every chunk, then the usage-only chunk, then [DONE].
const std::string kContent =
    "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"finish_reason\":null}],\"usage\":null}\n\n"
    "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":null}\n\n";
const std::string kUsage =
    "data: {\"id\":\"c\",\"choices\":[],\"usage\" : {\"prompt_tokens\":2,\"completion_tokens\":1,\"total_tokens\":3}}\n\n";
const std::string kDone = "data: [DONE]\n\n";

Json request(bool stream, std::optional<bool> include_usage = std::nullopt) {
  Json b = {{"model", "m"}, {"messages", Json::array({{{"role", "user"}, {"content", "hi"}}})}, {"temperature", 0}};
  if (stream) b["stream"] = true;
  if (include_usage) b["stream_options"] = {{"include_usage", *include_usage}};
  return b;
}

CachedAnswer stream_entry() {
  CachedAnswer e;
  e.content_type = "text/event-stream";
  e.sse = kContent + kUsage + kDone;
  return e;
}

// The usage-only events of an SSE text.
int usage_chunks(const std::string& sse) {
  int n = 0;
  size_t start = 0;
  for (size_t end; (end = sse.find("\n\n", start)) != std::string::npos; start = end + 2) {
    n += is_usage_only_event(sse.substr(start, end + 2 - start));
  }
  return n;
}

TEST(CacheReplay, EveryShapeOfTheRequestSharesOneKey) {
  const std::string key = cache_key(kChat, request(false));
  EXPECT_EQ(cache_key(kChat, request(true)), key);
  EXPECT_EQ(cache_key(kChat, request(true, true)), key);
  EXPECT_EQ(cache_key(kChat, request(true, false)), key);
}

TEST(CacheReplay, AStoredStreamGivesTheUsageChunkOnlyToWhoAskedForIt) {
  const CachedAnswer e = stream_entry();
  EXPECT_EQ(replay_body(kChat, request(true, true), e), kContent + kUsage + kDone);
  EXPECT_EQ(replay_body(kChat, request(true), e), kContent + kDone);
  EXPECT_EQ(replay_body(kChat, request(true, false), e), kContent + kDone);
  // A plain request is not answered from the stream half alone.
  EXPECT_EQ(replay_body(kChat, request(false), e), std::nullopt);
}

TEST(CacheReplay, AJsonAnswerStreamsWithItsUsageOnlyWhenAsked) {
  CachedAnswer e;
  e.json = Json{{"id", "x"}, {"object", "chat.completion"}, {"created", 1}, {"model", "m"},
                {"choices", Json::array({{{"index", 0}, {"message", {{"role", "assistant"}, {"content", "Hello"}}},
                                          {"finish_reason", "stop"}}})},
                {"usage", {{"prompt_tokens", 2}, {"completion_tokens", 1}, {"total_tokens", 3}}}}
               .dump();
  EXPECT_EQ(replay_body(kChat, request(false), e), e.json);
  const auto asked = replay_body(kChat, request(true, true), e);
  const auto plain = replay_body(kChat, request(true), e);
  ASSERT_TRUE(asked && plain);
  EXPECT_EQ(usage_chunks(*asked), 1);
  EXPECT_EQ(usage_chunks(*plain), 0);
  EXPECT_NE(plain->find("\"content\":\"Hello\""), std::string::npos);
  EXPECT_TRUE(plain->size() > 0 && plain->substr(plain->size() - kDone.size()) == kDone);
  // The usage chunk is the only difference.
  EXPECT_EQ(without_usage_chunks(*asked), *plain);
}

TEST(CacheReplay, AnthropicStreamsAreReplayedAsStored) {
  CachedAnswer e;
  e.sse = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":2}}}\n\n"
          "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
  EXPECT_EQ(replay_body("/v1/messages", request(true), e), e.sse);
}

TEST(CacheReplay, TheCheapUsageTestSeesEverySpacingButNotNull) {
  EXPECT_TRUE(is_usage_only_event("data: {\"choices\": [], \"usage\"\t: \t{\"total_tokens\": 3}}\n\n"));
  EXPECT_FALSE(is_usage_only_event("data: {\"choices\":[],\"usage\" : null}\n\n"));
  // A "usage" that is a value, then the real key.
  EXPECT_TRUE(is_usage_only_event("data: {\"a\":\"usage\",\"choices\":[],\"usage\":{}}\n\n"));
}

}  // namespace
}  // namespace hearth::gateway
