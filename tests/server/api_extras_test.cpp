// /metrics, /tokenize, /detokenize, n > 1 and /v1/embeddings through
// Router::handle on the tiny model, bodies drained as a connection would.
// /metrics is parsed line by line as a Prometheus scraper would (the text
// exposition format 0.0.4): names and label sets well-formed, numbers whole,
// every sample belongs to a declared family,
// histogram buckets are cumulative and end in +Inf == _count.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <string_view>
#include <cstring>

#include "router_fixture.h"

namespace hearth::server {
namespace {

using json = nlohmann::json;

// A parsed exposition: sample "name{labels}" -> value, and each family's type.
struct Exposition {
  std::map<std::string, double> samples;
  std::map<std::string, std::string> types;

  double at(const std::string& key) const {
    const auto it = samples.find(key);
    if (it == samples.end()) {
      ADD_FAILURE() << "no sample " << key;
      return -1;
    }
    return it->second;
  }
};

bool metric_name(std::string_view n) {
  if (n.empty() || std::isdigit(static_cast<unsigned char>(n[0]))) return false;
  for (const char c : n) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != ':') return false;
  }
  return true;
}

// {k="v",k2="v2"}: label names, quoted values with \\, \" and \n escapes.
bool label_set(std::string_view l) {
  if (l.size() < 2 || l.front() != '{' || l.back() != '}') return false;
  size_t i = 1;
  while (i < l.size() - 1) {
    const size_t eq = l.find('=', i);
    if (eq == std::string_view::npos || !metric_name(l.substr(i, eq - i)) || l[eq + 1] != '"') return false;
    i = eq + 2;
    while (i < l.size() - 1 && l[i] != '"') i += l[i] == '\\' ? 2 : 1;
    if (i >= l.size() - 1) return false;
    ++i;  // closing quote
    if (l[i] == ',') ++i;
  }
  return true;
}

Exposition parse_exposition(const std::string& text) {
  Exposition e;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string w1, w2, w3, w4;
    words >> w1 >> w2 >> w3 >> w4;
    if (w1 == "#" && w2 == "TYPE") {
      EXPECT_TRUE(metric_name(w3)) << line;
      EXPECT_TRUE(w4 == "counter" || w4 == "gauge" || w4 == "histogram") << line;
      EXPECT_FALSE(e.types.contains(w3)) << "family declared twice: " << line;
      e.types[w3] = w4;
      continue;
    }
    if (w1 == "#" && w2 == "HELP") {
      EXPECT_TRUE(metric_name(w3) && !w4.empty()) << line;
      continue;
    }
    // name{labels} value
    const size_t brace = line.find('{');
    const size_t space = line.rfind(' ');
    if (space == std::string::npos) {
      ADD_FAILURE() << "not a sample line: " << line;
      continue;
    }
    const size_t name_end = std::min(brace, space);
    const std::string name = line.substr(0, name_end);
    const std::string labels = brace < space ? line.substr(brace, space - brace) : "";
    EXPECT_TRUE(metric_name(name)) << line;
    if (!labels.empty()) {
      EXPECT_TRUE(label_set(labels)) << line;
    }
    std::string family = name;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      if (family.ends_with(suffix) && e.types.contains(family.substr(0, family.size() - std::strlen(suffix)))) {
        family.resize(family.size() - std::strlen(suffix));
      }
    }
    EXPECT_TRUE(e.types.contains(family)) << "sample before its # TYPE: " << line;
    const std::string value = line.substr(space + 1);
    size_t used = 0;
    const double v = std::stod(value, &used);
    EXPECT_EQ(used, value.size()) << line;
    e.samples[name + labels] = v;
  }
  return e;
}

using ApiExtrasTest = RouterFixture;  // tiny model, context 256, key "k1"

TEST_F(ApiExtrasTest, MetricsParseAndCountRequestsTokensAndLatencies) {
  Router router(*model_, config_);
  HttpReply r = router.handle(post("/v1/completions", R"({"model":"tiny-llama-Q8_0","prompt":"Hello","max_tokens":6,"seed":1})"));
  const json done = json::parse(body_of(r));
  router.handle(post("/v1/nothing", "{}"));
  HttpRequest get{"GET", "/metrics", {}, ""};
  HttpReply m = router.handle(get);
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(m.content_type, "text/plain; version=0.0.4; charset=utf-8");
  const Exposition e = parse_exposition(m.body);

  EXPECT_EQ(e.types.at("hearth_http_requests_total"), "counter");
  EXPECT_EQ(e.at(R"(hearth_http_requests_total{route="/v1/completions",status="200"})"), 1);
  EXPECT_EQ(e.at(R"(hearth_http_requests_total{route="other",status="404"})"), 1);
  const std::string model = R"({model="tiny-llama-Q8_0"})";
  // The suite's model is shared: earlier tests may have run, so compare
  // with what this completion reported rather than with absolute numbers.
  EXPECT_GE(e.at("hearth_generated_tokens_total" + model), 6);
  EXPECT_GE(e.at("hearth_prompt_tokens_total" + model), done["usage"]["prompt_tokens"].get<double>());
  EXPECT_EQ(e.at("hearth_kv_cells_total" + model), 256);
  EXPECT_EQ(e.at("hearth_kv_cells_used" + model), 0);
  EXPECT_EQ(e.at("hearth_queue_depth" + model), 0);
  EXPECT_EQ(e.at("hearth_running_sequences" + model), 0);
  EXPECT_GT(e.at("hearth_model_load_seconds" + model), 0);
  for (const std::string h : {"hearth_time_to_first_token_seconds", "hearth_inter_token_latency_seconds"}) {
    EXPECT_EQ(e.types.at(h), "histogram");
    // Buckets in text order: cumulative, at least 5, the last one +Inf.
    std::istringstream in(m.body);
    double prev = 0;
    int buckets = 0;
    for (std::string line; std::getline(in, line);) {
      if (!line.starts_with(h + "_bucket{")) continue;
      const double v = std::stod(line.substr(line.rfind(' ') + 1));
      EXPECT_GE(v, prev) << line;
      prev = v;
      ++buckets;
    }
    EXPECT_GE(buckets, 5) << h;
    const double count = e.at(h + "_count" + model);
    EXPECT_EQ(prev, count) << "+Inf bucket == _count";
    EXPECT_EQ(e.at(h + R"(_bucket{model="tiny-llama-Q8_0",le="+Inf"})"), count);
    EXPECT_GE(e.at(h + "_sum" + model), 0);
  }
  EXPECT_GE(e.at("hearth_time_to_first_token_seconds_count" + model), 1);
  EXPECT_GE(e.at("hearth_inter_token_latency_seconds_count" + model), 5);  // 6 tokens, 5 gaps

  // The /metrics request itself is counted on the next scrape.
  const Exposition again = parse_exposition(router.handle(get).body);
  EXPECT_EQ(again.at(R"(hearth_http_requests_total{route="/metrics",status="200"})"), 1);
}

TEST_F(ApiExtrasTest, TokenizeAndDetokenizeRoundTrip) {
  Router router(*model_, config_);
  HttpReply r = router.handle(post("/tokenize", R"({"content":"Hello world"})"));
  ASSERT_EQ(r.status, 200) << r.body;
  const json plain = json::parse(r.body);
  EXPECT_EQ(plain["tokens"].get<std::vector<int32_t>>(), model_->tokenizer().encode("Hello world", false, true));
  const json with_bos = json::parse(router.handle(post("/tokenize", R"({"content":"Hello world","add_special":true})")).body);
  EXPECT_EQ(with_bos["tokens"].get<std::vector<int32_t>>(), model_->tokenizer().encode("Hello world", true, true));
  const json pieces =
      json::parse(router.handle(post("/tokenize", R"({"content":"Hello world","with_pieces":true})")).body);
  std::string joined;
  for (size_t i = 0; i < pieces["tokens"].size(); ++i) {
    EXPECT_EQ(pieces["tokens"][i]["id"], plain["tokens"][i]);
    joined += pieces["tokens"][i]["piece"].get<std::string>();
  }
  EXPECT_NE(joined.find("world"), std::string::npos) << joined;

  const json back = json::parse(router.handle(post("/detokenize", json{{"tokens", plain["tokens"]}}.dump())).body);
  EXPECT_EQ(back["content"], "Hello world");

  for (const char* bad : {R"({"tokens":[1,1024]})", R"({"tokens":[-1]})", R"({"tokens":"x"})", R"({"tokens":[1.5]})"}) {
    HttpReply e = router.handle(post("/detokenize", bad));
    EXPECT_EQ(e.status, 400) << bad;
    EXPECT_EQ(json::parse(e.body)["error"]["param"], "tokens") << bad;
  }
  EXPECT_NE(router.handle(post("/detokenize", R"({"tokens":[1024]})")).body.find("0..1023"), std::string::npos);
  EXPECT_EQ(router.handle(post("/tokenize", R"({"content":5})")).status, 400);
  EXPECT_EQ(router.handle(post("/tokenize", R"({})")).status, 400);
  EXPECT_EQ(router.handle(post("/tokenize", R"({"content":"x","with_pieces":"yes"})")).status, 400);
}

TEST_F(ApiExtrasTest, NChoicesAreSeededSeedPlusIndexAndSumUsage) {
  Router router(*model_, config_);
  HttpReply r = router.handle(post("/v1/completions", R"({"model":"tiny-llama-Q8_0","prompt":"Hello","max_tokens":5,"seed":10,"n":3})"));
  ASSERT_EQ(r.status, 200) << r.body;
  const json j = json::parse(body_of(r));
  ASSERT_EQ(j["choices"].size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(j["choices"][i]["index"], i);
    HttpReply one = router.handle(post("/v1/completions", json{{"model", "tiny-llama-Q8_0"}, {"prompt", "Hello"}, {"max_tokens", 5}, {"seed", 10 + i}}.dump()));
    EXPECT_EQ(j["choices"][i]["text"], json::parse(body_of(one))["choices"][0]["text"]) << "choice " << i;
  }
  EXPECT_EQ(j["usage"]["completion_tokens"], 15);
  EXPECT_EQ(j["usage"]["prompt_tokens"], model_->text_prompt("Hello").size());

  // Streamed: every chunk names its choice; each choice finishes once.
  HttpReply s = router.handle(post("/v1/completions", R"({"model":"tiny-llama-Q8_0","prompt":"Hello","max_tokens":5,"seed":10,"n":2,"stream":true})"));
  const std::string sse = body_of(s);
  std::map<int, int> finishes;
  std::istringstream in(sse);
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("data: {")) continue;
    const json c = json::parse(line.substr(6));
    for (const auto& ch : c["choices"]) {
      ASSERT_TRUE(ch["index"] == 0 || ch["index"] == 1) << line;
      if (!ch["finish_reason"].is_null()) ++finishes[ch["index"].get<int>()];
    }
  }
  EXPECT_EQ(finishes, (std::map<int, int>{{0, 1}, {1, 1}}));
  EXPECT_TRUE(sse.ends_with("data: [DONE]\n\n"));

  // The context check counts all n: 16 x (1 + 20) > 256.
  HttpReply big = router.handle(post("/v1/completions", R"({"model":"tiny-llama-Q8_0","prompt":"Hello","max_tokens":20,"n":16})"));
  EXPECT_EQ(big.status, 400);
  EXPECT_EQ(json::parse(big.body)["error"]["code"], "context_length_exceeded");
  EXPECT_NE(big.body.find("256"), std::string::npos) << big.body;
  EXPECT_EQ(router.handle(post("/v1/completions", R"({"model":"tiny-llama-Q8_0","prompt":"Hello","n":17})")).status, 400);
  EXPECT_EQ(router.handle(post("/v1/completions", R"({"model":"tiny-llama-Q8_0","prompt":"Hello","n":0})")).status, 400);
}

TEST_F(ApiExtrasTest, EmbeddingsEndpointsShapesAndErrors) {
  Router router(*model_, config_);
  HttpReply r = router.handle(post("/v1/embeddings", R"({"model":"tiny-llama-Q8_0","input":["Hello","world"]})"));
  ASSERT_EQ(r.status, 200) << r.body;
  const json j = json::parse(body_of(r));
  ASSERT_EQ(j["data"].size(), 2u);
  EXPECT_EQ(j["data"][1]["index"], 1);
  EXPECT_EQ(j["data"][0]["embedding"].size(), static_cast<size_t>(model_->n_embd()));
  EXPECT_EQ(j["usage"]["prompt_tokens"], model_->text_prompt("Hello").size() + model_->text_prompt("world").size());

  HttpReply o = router.handle(post("/api/embed", R"({"model":"tiny-llama-Q8_0","input":"Hello"})"));
  const json oj = json::parse(body_of(o));
  EXPECT_EQ(oj["embeddings"][0], j["data"][0]["embedding"]);
  // Ollama errors have Ollama's shape.
  HttpReply oe = router.handle(post("/api/embed", R"({"input":"Hello"})"));
  EXPECT_EQ(oe.status, 400);
  EXPECT_TRUE(json::parse(oe.body)["error"].is_string()) << oe.body;
  EXPECT_EQ(router.handle(post("/v1/embeddings", R"({"model":"tiny-llama-Q8_0","input":"x","dimensions":3})")).status, 400);
  EXPECT_EQ(router.handle(post("/v1/embeddings", R"({"model":"tiny-llama-Q8_0","input":[[1,2],[3,"a"]]})")).status, 400);
}

}  // namespace
}  // namespace hearth::server
