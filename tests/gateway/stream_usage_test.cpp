// gateway/stream_usage.h: the include_usage rewrite of a streamed cloud
// request and the stripping of the usage-only chunk from the client's
// stream, however the bytes are cut.
#include <gtest/gtest.h>

#include <random>

#include "gateway/cloud_usage.h"
#include "gateway/stream_usage.h"

namespace hearth::gateway {
namespace {

using Json = nlohmann::json;

TEST(StreamUsage, AsksForUsageOnStreamsOnly) {
  Json plain = {{"model", "m"}, {"stream", true}};
  EXPECT_TRUE(ask_stream_usage(plain));
  EXPECT_EQ(plain["stream_options"], (Json{{"include_usage", true}}));

  Json asked = {{"stream", true}, {"stream_options", {{"include_usage", true}}}};
  EXPECT_FALSE(ask_stream_usage(asked));  // the client wants the chunk: keep it
  EXPECT_EQ(asked["stream_options"]["include_usage"], true);

  Json declined = {{"stream", true}, {"stream_options", {{"include_usage", false}, {"other", 1}}}};
  EXPECT_TRUE(ask_stream_usage(declined));
  EXPECT_EQ(declined["stream_options"], (Json{{"include_usage", true}, {"other", 1}}));

  Json not_streamed = {{"model", "m"}};
  EXPECT_FALSE(ask_stream_usage(not_streamed));
  EXPECT_FALSE(not_streamed.contains("stream_options"));
  Json stream_false = {{"stream", false}};
  EXPECT_FALSE(ask_stream_usage(stream_false));
  EXPECT_FALSE(stream_false.contains("stream_options"));
}

const std::string kDelta1 =
    "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}],\"usage\":null}\n\n";
const std::string kDelta2 =
    "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":null}\n\n";
const std::string kUsage =
    "data: {\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":7,\"total_tokens\":18}}\n\n";
const std::string kDone = "data: [DONE]\n\n";

TEST(StreamUsage, TellsTheUsageOnlyEvent) {
  EXPECT_TRUE(is_usage_only_event(kUsage));
  EXPECT_TRUE(is_usage_only_event("data:{\"choices\":[],\"usage\":{}}\r\n\r\n"));
  EXPECT_FALSE(is_usage_only_event(kDelta1));  // "usage": null with choices
  EXPECT_FALSE(is_usage_only_event(kDone));
  EXPECT_FALSE(is_usage_only_event("data: {\"choices\":[{}],\"usage\":{\"prompt_tokens\":1}}\n\n"));
  EXPECT_FALSE(is_usage_only_event("data: {\"usage\": broken\n\n"));
}

// Feeds `stream` cut at the given sizes (cycled) and returns what passed.
std::string relay(UsageChunkFilter& f, const std::string& stream, const std::vector<size_t>& cuts) {
  std::string out;
  size_t at = 0, i = 0;
  while (at < stream.size()) {
    const size_t n = std::min(cuts[i++ % cuts.size()], stream.size() - at);
    out += f.pass(std::string_view(stream).substr(at, n));
    at += n;
  }
  return out + f.flush();
}

TEST(StreamUsage, StripsTheUsageChunkHoweverTheBytesAreCut) {
  const std::string stream = kDelta1 + kDelta2 + kUsage + kDone;
  const std::string expected = kDelta1 + kDelta2 + kDone;
  for (const size_t size : {size_t{1}, size_t{2}, size_t{3}, size_t{7}, size_t{64}, stream.size()}) {
    UsageChunkFilter f(true);
    EXPECT_EQ(relay(f, stream, {size}), expected) << "cut every " << size << " bytes";
  }
  std::mt19937 rng(7);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<size_t> cuts;
    for (int i = 0; i < 8; ++i) cuts.push_back(1 + rng() % 40);
    UsageChunkFilter f(true);
    EXPECT_EQ(relay(f, stream, cuts), expected) << "trial " << trial;
  }
  // CRLF line ends, as some servers send them.
  auto crlf = [](std::string s) {
    std::string out;
    for (const char c : s) out += c == '\n' ? std::string("\r\n") : std::string(1, c);
    return out;
  };
  UsageChunkFilter f(true);
  EXPECT_EQ(relay(f, crlf(stream), {1}), crlf(expected));
  EXPECT_EQ(without_usage_chunks(stream), expected);
  // The stream as the cloud sent it holds the usage for the gateway's own count.
  EXPECT_EQ(read_cloud_usage(stream).completion_tokens, 7);
}

TEST(StreamUsage, PassesEverythingAtOnceWhenTheClientAskedAndHoldsOnlyAnOpenEvent) {
  UsageChunkFilter keep(false);
  EXPECT_EQ(keep.pass(kUsage.substr(0, 10)), kUsage.substr(0, 10));  // no buffering at all
  EXPECT_EQ(keep.flush(), "");

  UsageChunkFilter strip(true);
  EXPECT_EQ(strip.pass(kDelta1 + kDelta2.substr(0, 12)), kDelta1);  // the complete event goes at once
  EXPECT_EQ(strip.flush(), kDelta2.substr(0, 12));                    // an unterminated tail is given back as is
}

}  // namespace
}  // namespace hearth::gateway
