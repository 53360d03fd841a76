// The Ollama dialect through Router::handle on the tiny model: NDJSON
// streaming, the final object's counts and durations, options with bad
// values answered with a 400 naming "options.<field>", num_ctx bounds,
// keep_alive parsing and what /api/ps reports.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "router_fixture.h"
#include "server/keep_alive.h"
#include "server/ollama.h"

namespace hearth::server {
namespace {

using json = nlohmann::json;
using OllamaTest = RouterFixture;

std::string generate_body(const std::string& extra) {
  return std::string(R"({"model":"tiny-llama-Q8_0","prompt":"Hello")") + (extra.empty() ? "" : "," + extra) + "}";
}

std::vector<json> parse_ndjson(const std::string& body) {
  std::vector<json> lines;
  std::istringstream in(body);
  std::string line;
  while (std::getline(in, line)) lines.push_back(json::parse(line));
  return lines;
}

void expect_ollama_error(const HttpReply& r, int status, const std::string& mentions) {
  EXPECT_EQ(r.status, status) << r.body;
  const json j = json::parse(r.body);
  ASSERT_TRUE(j["error"].is_string()) << r.body;
  EXPECT_NE(j["error"].get<std::string>().find(mentions), std::string::npos) << "expected '" << mentions << "' in " << r.body;
}

TEST_F(OllamaTest, GenerateReportsExactCountsAndDurations) {
  Router router(*model_, config_);
  std::string body = generate_body(R"("stream":false,"options":{"num_predict":7,"seed":3})");
  body.replace(body.find("Q8_0"), 4, "Q8_0:latest");  // the default tag names the same model
  HttpReply r = router.handle(post("/api/generate", body));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(r.streamed);
  const json j = json::parse(body_of(r));
  EXPECT_EQ(j["model"], "tiny-llama-Q8_0");
  EXPECT_EQ(j["done"], true);
  EXPECT_EQ(j["done_reason"], "length");
  EXPECT_EQ(j["eval_count"], 7);
  EXPECT_EQ(j["prompt_eval_count"], model_->text_prompt("Hello").size());  // no chat template: the prompt as is
  EXPECT_GT(j["prompt_eval_duration"].get<int64_t>(), 0);
  EXPECT_GT(j["eval_duration"].get<int64_t>(), 0);
  EXPECT_GE(j["total_duration"].get<int64_t>(), j["prompt_eval_duration"].get<int64_t>() + j["eval_duration"].get<int64_t>());
  EXPECT_TRUE(j["created_at"].get<std::string>().ends_with("Z"));
}

TEST_F(OllamaTest, ChatStreamsNdjsonByDefaultAndMatchesTheBufferedReply) {
  Router router(*model_, config_);
  const std::string chat = R"({"model":"tiny-llama-Q8_0","messages":[{"role":"user","content":"Hi"}],"options":{"num_predict":6,"seed":9}})";
  HttpReply s = router.handle(post("/api/chat", chat));
  ASSERT_TRUE(s.streamed) << s.body;
  EXPECT_EQ(s.content_type, "application/x-ndjson");
  const auto lines = parse_ndjson(drain(*s.source));
  ASSERT_GE(lines.size(), 2u);
  std::string text;
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    EXPECT_EQ(lines[i]["done"], false);
    EXPECT_EQ(lines[i]["message"]["role"], "assistant");
    text += lines[i]["message"]["content"].get<std::string>();
  }
  const json& last = lines.back();
  EXPECT_EQ(last["done"], true);
  EXPECT_EQ(last["eval_count"], 6);

  std::string buffered = chat;
  buffered.insert(1, R"("stream":false,)");
  HttpReply b = router.handle(post("/api/chat", buffered));
  const json j = json::parse(body_of(b));
  EXPECT_EQ(j["message"]["content"], text + last["message"]["content"].get<std::string>());
  EXPECT_EQ(j["prompt_eval_count"], last["prompt_eval_count"]);
}

TEST_F(OllamaTest, GenerateWithoutPromptOnlyLoads) {
  Router router(*model_, config_);
  HttpReply r = router.handle(post("/api/generate", R"({"model":"tiny-llama-Q8_0"})"));
  const json j = json::parse(body_of(r));
  EXPECT_EQ(j["done"], true);
  EXPECT_EQ(j["done_reason"], "load");
}

TEST_F(OllamaTest, ContextBoundsAreErrorsWithBothNumbersNeverTruncation) {
  Router router(*model_, config_);
  const auto n_prompt = std::to_string(model_->text_prompt("Hello").size());
  expect_ollama_error(router.handle(post("/api/generate", generate_body(R"("options":{"num_predict":300})"))), 400,
                      "the server's context is 256");
  expect_ollama_error(router.handle(post("/api/generate", generate_body(R"("options":{"num_predict":30,"num_ctx":20})"))), 400,
                      "needs " + std::to_string(model_->text_prompt("Hello").size() + 30));
  expect_ollama_error(router.handle(post("/api/generate", generate_body(R"("options":{"num_ctx":1})"))), 400,
                      "the prompt is " + n_prompt + " tokens but options.num_ctx is 1");
  // Without num_predict, num_ctx bounds the generation: it ends by length.
  HttpReply r = router.handle(post("/api/generate", generate_body(R"("stream":false,"options":{"num_ctx":12,"seed":1})")));
  const json j = json::parse(body_of(r));
  EXPECT_EQ(j["done_reason"], "length");
  EXPECT_EQ(j["prompt_eval_count"].get<int64_t>() + j["eval_count"].get<int64_t>(), 12);
}

TEST_F(OllamaTest, BadFieldsAreA400NamingThem) {
  Router router(*model_, config_);
  const struct {
    std::string extra;
    std::string mentions;
  } cases[] = {
      {R"("options":{"top_k":"x"})", "options.top_k"},
      {R"("options":{"top_k":2.5})", "options.top_k"},
      {R"("options":{"temperature":-1})", "options.temperature"},
      {R"("options":{"top_p":2})", "options.top_p"},
      {R"("options":{"min_p":"a"})", "options.min_p"},
      {R"("options":{"seed":"s"})", "options.seed"},
      {R"("options":{"num_predict":0})", "options.num_predict"},
      {R"("options":{"stop":5})", "options.stop"},
      {R"("options":{"repeat_penalty":0})", "options.repeat_penalty"},
      {R"("options":{"presence_penalty":"x"})", "options.presence_penalty"},
      {R"("options":{"frequency_penalty":[]})", "options.frequency_penalty"},
      {R"("options":{"num_ctx":0})", "options.num_ctx"},
      {R"("options":{"mirostat":1})", "options.mirostat"},
      {R"("options":5)", "options"},
      {R"("stream":1)", "stream"},
      {R"("keep_alive":"soon")", "keep_alive"},
      {R"("keep_alive":true)", "keep_alive"},
      {R"("format":"xml")", "format"},
      {R"("format":{"type":"object"})", "format"},
      {R"("images":["aGk="])", "images"},
      {R"("suffix":"x")", "suffix"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.extra);
    expect_ollama_error(router.handle(post("/api/generate", generate_body(c.extra))), 400, c.mentions);
  }
  expect_ollama_error(router.handle(post("/api/chat", R"({"model":"tiny-llama-Q8_0"})")), 400, "messages");
  expect_ollama_error(router.handle(post("/api/chat", R"({"model":"tiny-llama-Q8_0","messages":[{"role":"user"}]})")), 400,
                      "messages[0].content");
  expect_ollama_error(router.handle(post("/api/chat", R"({"model":"tiny-llama-Q8_0","messages":[{"role":"user","content":"x","images":["aGk="]}]})")),
                      400, "messages[0].images");
  expect_ollama_error(router.handle(post("/api/generate", R"({"prompt":"x"})")), 400, "model is required");
  expect_ollama_error(router.handle(post("/api/generate", R"({"model":"llama3","prompt":"x"})")), 404, "llama3");
  expect_ollama_error(router.handle(post("/api/generate", R"({"model":"tiny-llama-Q8_0:q4","prompt":"x"})")), 404, ":q4");
  expect_ollama_error(router.handle(post("/api/generate", "{")), 400, "not valid JSON");
  expect_ollama_error(router.handle(post("/api/tags", "")), 405, "not allowed");
  expect_ollama_error(router.handle(post("/api/generate", generate_body(""), false)), 401, "API key");
  // 3.0 is an integer to a JavaScript client.
  HttpReply ok = router.handle(post("/api/generate", generate_body(R"("stream":false,"options":{"num_predict":2.0})")));
  EXPECT_EQ(json::parse(body_of(ok))["eval_count"], 2);
}

TEST_F(OllamaTest, ModelListingsDescribeTheServedModel) {
  Router router(*model_, config_);
  const json tags = json::parse(router.handle(get("/api/tags")).body);
  ASSERT_EQ(tags["models"].size(), 1u);
  EXPECT_EQ(tags["models"][0]["name"], "tiny-llama-Q8_0");
  EXPECT_EQ(tags["models"][0]["details"]["format"], "gguf");
  EXPECT_EQ(tags["models"][0]["details"]["family"], "llama");
  EXPECT_EQ(tags["models"][0]["details"]["quantization_level"], "Q8_0");
  EXPECT_EQ(tags["models"][0]["size"], model_->model().file().file_size());

  const json show = json::parse(router.handle(post("/api/show", R"({"model":"tiny-llama-Q8_0"})")).body);
  EXPECT_EQ(show["model_info"]["general.architecture"], "llama");
  EXPECT_TRUE(show["model_info"]["tokenizer.ggml.tokens"].is_null());  // arrays only when verbose
  const json verbose = json::parse(router.handle(post("/api/show", R"({"name":"tiny-llama-Q8_0:latest","verbose":true})")).body);
  EXPECT_TRUE(verbose["model_info"]["tokenizer.ggml.tokens"].is_array());
  expect_ollama_error(router.handle(post("/api/show", R"({"model":"other"})")), 404, "other");

  const json ps = json::parse(router.handle(get("/api/ps")).body);
  EXPECT_EQ(ps["models"][0]["context_length"], 256);
  EXPECT_TRUE(json::parse(router.handle({"GET", "/api/version", {}, ""}).body)["version"].is_string());
}

TEST(KeepAlive, ParsesGoDurationsSecondsAndForever) {
  using namespace std::chrono;
  EXPECT_EQ(parse_go_duration("5m"), minutes(5));
  EXPECT_EQ(parse_go_duration("1h30m"), minutes(90));
  EXPECT_EQ(parse_go_duration("2.5s"), milliseconds(2500));
  EXPECT_EQ(parse_go_duration("300ms"), milliseconds(300));
  EXPECT_EQ(parse_go_duration("0"), nanoseconds(0));
  EXPECT_EQ(parse_go_duration("-1m"), minutes(-1));
  for (const char* bad : {"", "5", "m", "5x", "1.2.3s", "--5m", "5m-"}) EXPECT_FALSE(parse_go_duration(bad)) << bad;

  EXPECT_EQ(parse_keep_alive(nlohmann::ordered_json(30), "keep_alive"), seconds(30));
  EXPECT_EQ(parse_keep_alive(nlohmann::ordered_json("10m"), "keep_alive"), minutes(10));
  EXPECT_LT(parse_keep_alive(nlohmann::ordered_json(-1), "keep_alive").count(), 0);  // forever
  EXPECT_LT(parse_keep_alive(nlohmann::ordered_json("-1"), "keep_alive").count(), 0);
  EXPECT_THROW(parse_keep_alive(nlohmann::ordered_json("soon"), "keep_alive"), ApiError);
  // The command line's form (hearth serve --keep-alive) goes through the same parser.
  EXPECT_EQ(parse_keep_alive(std::string_view("1h30m")), minutes(90));
  EXPECT_EQ(parse_keep_alive(std::string_view("300")), seconds(300));
  EXPECT_THROW(parse_keep_alive(std::string_view("soon")), Error);
}

// keep_alive goes to the registry with the request's lease: /api/ps then
// reports the model due to unload that long after the request ended.
TEST_F(OllamaTest, PsReportsTheLastKeepAlive) {
  RegistryConfig rc;
  rc.models = {test::data_path("tiny/tiny-llama-Q8_0.gguf").string()};
  rc.ctx = 256;
  rc.threads = 1;
  ModelRegistry models(rc);
  Router router(models, config_);
  HttpReply r = router.handle(post("/api/generate", R"({"model":"tiny-llama-Q8_0","keep_alive":"2h"})"));
  body_of(r);
  const std::string at = json::parse(router.handle(get("/api/ps")).body)["models"][0]["expires_at"];
  // Two hours from now, to the minute (the test takes well under one).
  const auto expect = std::chrono::system_clock::now() + std::chrono::hours(2);
  const std::string want = ollama::rfc3339(expect).substr(0, 16);  // "YYYY-MM-DDTHH:MM"
  const std::string want_early = ollama::rfc3339(expect - std::chrono::minutes(1)).substr(0, 16);
  EXPECT_TRUE(at.starts_with(want) || at.starts_with(want_early)) << at << " vs " << want;
}

}  // namespace
}  // namespace hearth::server
