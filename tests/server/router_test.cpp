// The HTTP layer without sockets: Router::handle on a tiny model, with the
// reply's BodySource drained the way a connection drains it. Covers auth,
// routing, the OpenAI error shape and the JSON of a completion.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <mutex>
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
                                   R"({"model":"tiny-llama-Q8_0","prompt":"Hello","max_tokens":4,"seed":3,"stream":true,"stream_options":{"include_usage":true}})"));
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
  const HttpReply no_model = router.handle(post("/v1/completions", R"({"prompt":"x"})"));
  expect_error_shape(no_model, 400);
  EXPECT_EQ(json::parse(no_model.body)["error"]["param"], "model");
  expect_error_shape(router.handle(post("/v1/completions", R"({"model":"tiny-llama-Q8_0","prompt":"x","max_tokens":300})")), 400,
                     "context_length_exceeded");
  expect_error_shape(router.handle(post("/v1/completions", R"({"model":"tiny-llama-Q8_0","prompt":"x","n":17})")), 400);
  expect_error_shape(router.handle(post("/v1/completions", R"({"model":"tiny-llama-Q8_0","prompt":"x","top_p":1.5})")), 400);
  expect_error_shape(router.handle(post("/v1/completions", R"({"model":"tiny-llama-Q8_0","prompt":"x","stop":[""]})")), 400);
  expect_error_shape(router.handle(post("/v1/chat/completions", R"({"model":"tiny-llama-Q8_0","messages":[]})")), 400);
}

// Many models: the router resolves the request's model through a registry;
// a model not loaded yet comes back as a deferred reply, loaded off the
// calling thread, and stays leased until its body is drained.
class RouterModelsTest : public RouterTest {
 protected:
  void SetUp() override {
    dir_ = test::temp_dir("hearth-router-models");
    std::filesystem::copy_file(test::data_path("tiny/tiny-llama-Q8_0.gguf"), dir_ / "one.gguf");
    std::filesystem::copy_file(test::data_path("tiny/tiny-qwen2-Q8_0.gguf"), dir_ / "two.gguf");
    RegistryConfig c;
    c.models_dir = dir_.string();
    c.ctx = 128;
    c.threads = 1;
    registry_ = std::make_unique<ModelRegistry>(c);
  }
  void TearDown() override {
    registry_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Waits for a deferred reply the way a connection does.
  static HttpReply resolve(HttpReply r) {
    if (!r.deferred) return r;
    std::promise<HttpReply> p;
    r.deferred([&p](HttpReply real) { p.set_value(std::move(real)); });
    return p.get_future().get();
  }

  std::filesystem::path dir_;
  std::unique_ptr<ModelRegistry> registry_;
};

TEST_F(RouterModelsTest, LoadsTheNamedModelOffTheCallingThreadAndLeasesItUntilSent) {
  Router router(*registry_, config_);
  const json list = json::parse(router.handle({"GET", "/v1/models", {{"x-api-key", "k1"}}, ""}).body);
  ASSERT_EQ(list["data"].size(), 2u) << "listed before they are loaded";
  EXPECT_EQ(list["data"][0]["id"], "one");
  EXPECT_EQ(list["data"][1]["id"], "two");

  HttpReply first = router.handle(post("/v1/completions", R"({"model":"two","prompt":"Hi","max_tokens":3,"seed":1})"));
  EXPECT_TRUE(first.deferred) << "two is not loaded: the reply waits for the load";
  HttpReply r = resolve(std::move(first));
  ASSERT_TRUE(r.source) << r.body;
  ASSERT_EQ(registry_->loaded().size(), 1u);
  EXPECT_EQ(registry_->loaded()[0].leases, 1) << "the reply holds the model";
  const json j = json::parse(drain(*r.source));
  EXPECT_EQ(j["model"], "two");
  EXPECT_EQ(j["usage"]["completion_tokens"], 3);
  r.source.reset();
  EXPECT_EQ(registry_->loaded()[0].leases, 0) << "released once the body is gone";

  // Loaded now: answered at once.
  HttpReply again = router.handle(post("/v1/completions", R"({"model":"two","prompt":"Hi","max_tokens":1})"));
  EXPECT_FALSE(again.deferred);
  EXPECT_TRUE(again.source);

  const json health = json::parse(router.handle({"GET", "/health", {}, ""}).body);
  ASSERT_EQ(health["models"].size(), 1u);
  EXPECT_EQ(health["models"][0]["id"], "two");
  EXPECT_EQ(health["models"][0]["kv_cells"], 128);
}

TEST_F(RouterModelsTest, ErrorsOfTheLoadComeBackInOpenAiShape) {
  Router router(*registry_, config_);
  const HttpReply unknown = router.handle(post("/v1/chat/completions", R"({"model":"three","messages":[]})"));
  expect_error_shape(unknown, 404, "model_not_found");
  EXPECT_NE(unknown.body.find("available: one, two"), std::string::npos) << unknown.body;
  // A bad request to a model that must load first: the error comes after the load.
  const HttpReply bad = resolve(router.handle(post("/v1/completions", R"({"model":"one","prompt":"x","n":17})")));
  expect_error_shape(bad, 400);
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
    // Open: liveness, version, metrics and the web UI's pages and assets.
    const bool api = req.path.starts_with("/v1/") || req.path.starts_with("/api/") || req.path == "/tokenize" ||
                     req.path == "/detokenize" || req.path.starts_with("/tools/api/");
    if (req.path == "/health" || req.path == "/api/version" || req.path == "/metrics" || !api) {
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
