// The HTTP layer without sockets: Router::handle on a tiny model, with the
// reply's BodySource drained the way a connection drains it. Covers auth,
// routing, the OpenAI error shape and the JSON of a completion.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "router_fixture.h"

namespace hearth::server {
namespace {

using json = nlohmann::json;

using RouterTest = RouterFixture;

void expect_error_shape(const HttpReply& r, int status, const std::string& code = {}) {
  EXPECT_EQ(r.status, status) << r.body;
  const json j = json::parse(r.body);
  ASSERT_TRUE(j.contains("error"));
  for (const char* k : {"message", "type", "param", "code"}) EXPECT_TRUE(j["error"].contains(k)) << k;
  if (!code.empty()) {
    EXPECT_EQ(j["error"]["code"], code);
  }
}

TEST_F(RouterTest, CompletionReturnsOpenAiJsonWithExactUsage) {
  Router router(*model_, config_);
  HttpReply r = router.handle(post("/v1/completions", R"({"model":"tiny-llama-Q8_0","prompt":"Hello","max_tokens":7,"seed":3})"));
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_TRUE(r.source);
  EXPECT_FALSE(r.streamed);
  const json j = json::parse(drain(*r.source));
  EXPECT_EQ(j["object"], "text_completion");
  EXPECT_EQ(j["model"], "tiny-llama-Q8_0");
  EXPECT_EQ(j["choices"][0]["finish_reason"], "length");  // random weights: no EOS
  EXPECT_EQ(j["usage"]["completion_tokens"], 7);
  EXPECT_EQ(j["usage"]["prompt_tokens"], model_->text_prompt("Hello").size());
}

TEST_F(RouterTest, StreamedCompletionEndsWithDone) {
  Router router(*model_, config_);
  HttpReply r = router.handle(post("/v1/completions",
                                   R"({"prompt":"Hello","max_tokens":4,"seed":3,"stream":true,"stream_options":{"include_usage":true}})"));
  ASSERT_TRUE(r.source);
  EXPECT_TRUE(r.streamed);
  const std::string sse = drain(*r.source);
  EXPECT_TRUE(sse.starts_with("data: {"));
  EXPECT_TRUE(sse.ends_with("data: [DONE]\n\n"));
  EXPECT_NE(sse.find(R"("completion_tokens":4)"), std::string::npos) << sse;
}

TEST_F(RouterTest, AuthRoutingAndErrorsHaveOpenAiShape) {
  Router router(*model_, config_);
  expect_error_shape(router.handle(post("/v1/completions", "{}", false)), 401, "invalid_api_key");
  HttpRequest x = post("/v1/models", "", false);
  x.method = "GET";
  x.headers["x-api-key"] = "k1";
  EXPECT_EQ(router.handle(x).status, 200);
  EXPECT_EQ(router.handle({"GET", "/health", {}, ""}).status, 200);  // no key needed
  expect_error_shape(router.handle(post("/v1/nothing", "{}")), 404);
  expect_error_shape(router.handle(post("/v1/models", "{}")), 405);
  expect_error_shape(router.handle(post("/v1/completions", "{not json")), 400);
  expect_error_shape(router.handle(post("/v1/completions", R"({"model":"other","prompt":"x"})")), 404,
                     "model_not_found");
  expect_error_shape(router.handle(post("/v1/completions", R"({"prompt":"x","max_tokens":300})")), 400,
                     "context_length_exceeded");
  expect_error_shape(router.handle(post("/v1/completions", R"({"prompt":"x","n":17})")), 400);  // over Limits::max_choices
  expect_error_shape(router.handle(post("/v1/completions", R"({"prompt":"x","top_p":1.5})")), 400);
  expect_error_shape(router.handle(post("/v1/completions", R"({"prompt":"x","stop":[""]})")), 400);
  expect_error_shape(router.handle(post("/v1/chat/completions", R"({"messages":[]})")), 400);
}

}  // namespace
}  // namespace hearth::server

namespace hearth::server {
namespace {

// Every registered route: without a key it answers 401 in its dialect's
// error shape (by path prefix), except the open ones; so a route added
// later is checked here too.
TEST_F(RouterTest, EveryRouteRefusesAMissingKeyInItsDialectsShape) {
  Router router(*model_, config_);
  const auto endpoints = router.endpoints();
  ASSERT_GE(endpoints.size(), 12u);
  for (const std::string& ep : endpoints) {
    SCOPED_TRACE(ep);
    const auto space = ep.find(' ');
    const HttpRequest req{ep.substr(0, space), ep.substr(space + 1), {}, "{}"};
    const HttpReply r = router.handle(req);
    if (req.path == "/health" || req.path == "/api/version") {
      EXPECT_EQ(r.status, 200);
      continue;
    }
    ASSERT_EQ(r.status, 401) << r.body;
    const json j = json::parse(r.body);
    if (req.path.starts_with("/api/")) {
      EXPECT_TRUE(j["error"].is_string()) << r.body;
    } else if (req.path.starts_with("/v1/messages")) {
      EXPECT_EQ(j["type"], "error") << r.body;
      EXPECT_EQ(j["error"]["type"], "authentication_error") << r.body;
    } else {
      EXPECT_EQ(j["error"]["code"], "invalid_api_key") << r.body;
    }
  }
  // Errors the HTTP layer raises before routing take the path's shape too.
  const ApiError too_big(413, "invalid_request_error", "too large", {}, "request_too_large");
  EXPECT_EQ(json::parse(router.error_reply_for("/v1/messages", too_big).body)["error"]["type"], "request_too_large");
  EXPECT_EQ(json::parse(router.error_reply_for("/api/chat", too_big).body)["error"], "too large");
  EXPECT_EQ(json::parse(router.error_reply_for("/v1/completions", too_big).body)["error"]["code"], "request_too_large");
}

}  // namespace
}  // namespace hearth::server
