// The cache key: order, spacing, number spelling and streaming do not
// matter; anything that changes the answer does.
#include <gtest/gtest.h>

#include "gateway/canonical.h"

namespace hearth::gateway {
namespace {

using Json = nlohmann::json;

std::string key(const std::string& body) { return cache_key("/v1/chat/completions", Json::parse(body)); }

TEST(GatewayCanonical, KeyOrderWhitespaceAndNumberSpellingDoNotMatter) {
  const std::string a = key(R"({"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":0})");
  EXPECT_EQ(a, key(R"({ "temperature" : 0.0 ,"messages":[ {"content":"hi", "role":"user"} ], "model":"m" })"));
  EXPECT_EQ(a, key(R"({"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":0,"stream":true,
                       "stream_options":{"include_usage":true},"user":"u1"})"));
  EXPECT_EQ(canonical_json(Json::parse(R"({"b":1,"a":{"d":2.0,"c":[1.5,3]}})")), R"({"a":{"c":[1.5,3],"d":2},"b":1})");
}

TEST(GatewayCanonical, AnythingThatChangesTheAnswerChangesTheKey) {
  const std::string a = key(R"({"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":0})");
  EXPECT_NE(a, key(R"({"model":"m2","messages":[{"role":"user","content":"hi"}],"temperature":0})"));
  EXPECT_NE(a, key(R"({"model":"m","messages":[{"role":"user","content":"hi!"}],"temperature":0})"));
  EXPECT_NE(a, key(R"({"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":0,"max_tokens":5})"));
  EXPECT_NE(a, key(R"({"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":0.5})"));
  EXPECT_NE(a, cache_key("/v1/completions", Json::parse(R"({"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":0})")));
  // Message order is content, not formatting.
  EXPECT_NE(key(R"({"model":"m","messages":[{"role":"user","content":"a"},{"role":"user","content":"b"}]})"),
            key(R"({"model":"m","messages":[{"role":"user","content":"b"},{"role":"user","content":"a"}]})"));
}

TEST(GatewayCanonical, CacheableOnlyWhenTheAnswerIsDeterministic) {
  const std::string chat = "/v1/chat/completions";
  EXPECT_TRUE(cacheable(CachePolicy::auto_, chat, Json::parse(R"({"temperature":0})")));
  EXPECT_TRUE(cacheable(CachePolicy::auto_, chat, Json::parse(R"({"temperature":0.7,"seed":42})")));
  EXPECT_FALSE(cacheable(CachePolicy::auto_, chat, Json::parse(R"({})")));  // default temperature is 1
  EXPECT_FALSE(cacheable(CachePolicy::auto_, chat, Json::parse(R"({"temperature":0.2})")));
  EXPECT_FALSE(cacheable(CachePolicy::auto_, chat, Json::parse(R"({"seed":"x"})")));
  EXPECT_TRUE(cacheable(CachePolicy::auto_, "/v1/embeddings", Json::parse(R"({"input":"x"})")));
  EXPECT_TRUE(cacheable(CachePolicy::always, chat, Json::parse(R"({"temperature":1})")));
  EXPECT_FALSE(cacheable(CachePolicy::off, chat, Json::parse(R"({"temperature":0})")));
  EXPECT_FALSE(cacheable(CachePolicy::off, "/v1/embeddings", Json::parse(R"({"input":"x"})")));
}

}  // namespace
}  // namespace hearth::gateway
