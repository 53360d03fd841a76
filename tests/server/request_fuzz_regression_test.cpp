// Regressions found by fuzz/request_fuzz.cpp: each input once crashed or
// escaped as an exception other than hearth::Error; each must now be a
// clear error naming the field.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "core/error.h"
#include "router_fixture.h"
#include "server/api_error.h"
#include "server/keep_alive.h"

namespace hearth::server {
namespace {

// A --keep-alive value that is not UTF-8 made the error message's
// json::dump() throw nlohmann's type_error (std::terminate in the fuzzer).
TEST(RequestFuzzRegression, KeepAliveNotUtf8IsABadRequest) {
  const std::string bad = "5\xa6m";
  try {
    (void)parse_keep_alive(std::string_view(bad));
    FAIL() << "accepted a malformed duration";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 400);
    EXPECT_NE(std::string(e.what()).find("--keep-alive"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("is not a duration"), std::string::npos) << e.what();
  }
}

using RequestFuzzRegressionRouter = RouterFixture;

// A body with bytes that are not UTF-8 inside a JSON string: the parser's
// message quotes them, and every dialect's error body threw nlohmann's
// type_error while rendering it (instead of answering 400).
TEST_F(RequestFuzzRegressionRouter, BodyNotUtf8IsA400InEveryDialect) {
  Router router(*model_, config_);
  const std::string body = "{\"model\":\"tiny-llama-Q8_0\",\"input\":\"Hel\x9b\x90 world\"}";
  for (const char* path : {"/v1/embeddings", "/v1/chat/completions", "/v1/messages", "/api/embed", "/api/generate"}) {
    HttpReply r = router.handle(post(path, body));
    EXPECT_EQ(r.status, 400) << path;
    const auto j = nlohmann::json::parse(r.body);  // valid JSON (the bad bytes as U+FFFD)
    EXPECT_NE(j.dump().find("not valid JSON"), std::string::npos) << path << ": " << r.body;
  }
}

// A number too big for a double ("1e999") made nlohmann's parser throw
// out_of_range, which parse_body did not catch: a 500 instead of a 400.
TEST_F(RequestFuzzRegressionRouter, NumberOverflowInBodyIsA400) {
  Router router(*model_, config_);
  for (const char* path : {"/tokenize", "/v1/completions", "/api/chat"}) {
    HttpReply r = router.handle(post(path, R"({"model":"tiny-llama-Q8_0","content":1e999})"));
    EXPECT_EQ(r.status, 400) << path << ": " << r.body;
    EXPECT_NE(r.body.find("not valid JSON"), std::string::npos) << path << ": " << r.body;
  }
}

}  // namespace
}  // namespace hearth::server
