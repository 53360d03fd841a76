// The /tools API (server/tools_api.h) through the Router, as the pages call
// it: answers checked against the formulas they state, inputs refused with
// a 400 naming the field. That its JSON equals `hearth plan|fit|cost|tokens
// --json` for the same inputs is checked end to end (tests/e2e/tools.test.mjs).
#include <gtest/gtest.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "model/catalog.h"
#include "model/memory.h"
#include "model/quant_recipe.h"
#include "router_fixture.h"

namespace hearth::server {
namespace {

using Json = nlohmann::ordered_json;

class ToolsApiTest : public RouterFixture {
 protected:
  // POSTs body to /tools/api/NAME; expects `status`; the reply's JSON.
  static Json call(const std::string& name, const std::string& body, int status = 200) {
    const Router router(*model_, config_);
    HttpReply r = router.handle(post("/tools/api/" + name, body));
    EXPECT_EQ(r.status, status) << name << " " << body << ": " << r.body;
    return Json::parse(body_of(r));
  }
};

TEST_F(ToolsApiTest, PlanOfAShapeOnCatalogHardware) {
  const Json p = call("plan", R"({"shape":"llama3.2-1b","hardware":"rtx4090","ctx":4096})");
  EXPECT_EQ(p["model"], "llama3.2-1b Q4_K_M");  // the CLI's default type
  EXPECT_EQ(p["ctx"], 4096);
  // The seed's KV formula: 2 x 16 layers x 8 KV heads x 64 x 4096 cells x 2 bytes (f16).
  EXPECT_EQ(p["kv_bytes_windowed"].get<uint64_t>(), uint64_t{2} * 16 * 8 * 64 * 4096 * 2);
  EXPECT_EQ(p["total_bytes"].get<uint64_t>(), p["weights_bytes"].get<uint64_t>() + p["kv_bytes"].get<uint64_t>() +
                                                   p["buffers_bytes"].get<uint64_t>() +
                                                   p["overhead_bytes"].get<uint64_t>());
  EXPECT_TRUE(p["fits"].get<bool>());
  EXPECT_EQ(p["serve_command"], "hearth serve llama3.2-1b-Q4_K_M.gguf --ctx 4096 --parallel 1");
  // q8_0 halves the K/V rows (34 bytes per 32 values instead of 64).
  const Json q8 = call("plan", R"({"shape":"llama3.2-1b","hardware":"rtx4090","ctx":4096,"kv_type":"q8_0"})");
  EXPECT_EQ(q8["kv_bytes_windowed"].get<uint64_t>() * 64, p["kv_bytes_windowed"].get<uint64_t>() * 34);
}

TEST_F(ToolsApiTest, PlanOfTheServedModelReadsItsFile) {
  const Json p = call("plan", R"({"model":"tiny-llama-Q8_0","hardware":"rtx3060","ctx":256,"finetune":"lora"})");
  EXPECT_EQ(p["n_layer"], 2);
  EXPECT_EQ(p["trained_context"].get<int64_t>(), model_->model().hparams().n_ctx_train);
  EXPECT_EQ(p["finetune"]["method"], "lora");
  EXPECT_NE(p["serve_command"].get<std::string>().find(model_->path()), std::string::npos);
}

TEST_F(ToolsApiTest, FitListsOnlyWhatFits) {
  const Json f = call("fit", R"({"hardware":"rtx4090","ctx":8192})");
  EXPECT_EQ(f["min_context"], 8192);
  ASSERT_GT(f["models"].size(), 10u);
  for (const Json& m : f["models"]) {
    EXPECT_LE(m["total_bytes"].get<uint64_t>(), uint64_t{24} << 30) << m.dump();
    // A shape trained on less than 8192 tokens is asked for its trained length.
    const auto dims = model::dims_of(model::shape_or_throw(m["shape"].get<std::string>()),
                                     model::file_type_or_throw(m["type"].get<std::string>()));
    EXPECT_GE(m["max_context"].get<int64_t>(), std::min<int64_t>(8192, dims.hp.n_ctx_train)) << m.dump();
  }
}

TEST_F(ToolsApiTest, CostFromAGivenSpeed) {
  // 100 tok/s half the month: 129.6 M output tokens; 3 input tokens each.
  const Json c = call("cost", R"({"tok_s":100,"price":3000,"power_w":400,"electricity":0.25})");
  EXPECT_DOUBLE_EQ(c["tok_s"].get<double>(), 100);
  ASSERT_EQ(c["comparisons"].size(), 2u);  // the built-in cloud prices
  const Json& gpt = c["comparisons"][0];
  EXPECT_EQ(gpt["cloud"], "GPT-5.5");
  EXPECT_DOUBLE_EQ(gpt["output_tokens_per_month"].get<double>(), 100 * 2592000 * 0.5);
  // $30/M out + 3 x $5/M in = $45 per M output tokens.
  EXPECT_NEAR(gpt["cloud_usd_per_month"].get<double>(), 129.6 * 45, 1e-6);
  // 0.4 kW x 720 h x 0.5 x $0.25
  EXPECT_NEAR(gpt["electricity_usd_per_month"].get<double>(), 36, 1e-9);
}

TEST_F(ToolsApiTest, TokensCountAsTheServedModelPromptsThem) {
  const Json t = call("tokens", R"({"text":"Once upon a time there was a cat."})");
  EXPECT_EQ(t["files"][0]["tokens"].get<size_t>(), model_->text_prompt("Once upon a time there was a cat.").size());
  EXPECT_EQ(t["files"][0]["kind"], "text");
  EXPECT_EQ(t["ctx"].get<int64_t>(), model_->model().hparams().n_ctx_train);

  // Content parts count exactly as the same text given as a string.
  const Json as_string = Json::parse(R"([{"role":"user","content":"Hello there"}])");
  const Json parts = call("tokens", R"({"messages":[{"role":"user","content":[{"type":"text","text":"Hello "},
                                        {"type":"text","text":"there"}]}],"ctx":5})");
  EXPECT_EQ(parts["files"][0]["kind"], "chat");
  EXPECT_EQ(parts["files"][0]["tokens"].get<size_t>(), model_->chat_prompt(as_string).size());
  EXPECT_EQ(parts["ctx"], 5);
  EXPECT_FALSE(parts["files"][0]["fits"].get<bool>());
  EXPECT_DOUBLE_EQ(parts["totals"]["input_cost_usd"]["GPT-5.5"].get<double>(),
                   static_cast<double>(model_->chat_prompt(as_string).size()) * 5 / 1e6);
}

TEST_F(ToolsApiTest, BadInputsAre400sNamingTheField) {
  struct Case {
    const char* api;
    const char* body;
    const char* says;
  };
  const Case cases[] = {
      {"plan", "{", "JSON"},
      {"plan", R"({})", "give model (a served model) or shape"},
      {"plan", R"({"shape":"llama3.2-1b","model":"tiny-llama-Q8_0"})", "not both"},
      {"plan", R"({"shape":"llama9-1t"})", "llama3.2-1b"},
      {"plan", R"({"shape":"llama3.2-1b","type":"Q9_X"})", "Q4_K_M"},
      {"plan", R"({"shape":"llama3.2-1b","kv_type":"q5_k"})", "f16, q8_0, q4_0"},
      {"plan", R"({"shape":"llama3.2-1b","hardware":"rtx9999"})", "rtx4090"},
      {"plan", R"({"shape":"llama3.2-1b","ctx":0})", "ctx must be >= 1"},
      {"plan", R"({"shape":"llama3.2-1b","parallel":"2"})", "parallel must be an integer"},
      {"plan", R"({"shape":"llama3.2-1b","contxt":512})", "contxt"},
      {"plan", R"({"model":"gpt-9"})", "served: tiny-llama-Q8_0"},
      {"plan", R"({"model":"tiny-llama-Q8_0","type":"Q4_0"})", "type applies to shape only"},
      {"fit", R"({"hardware":"m4-max","gpus":2})", "--gpus"},
      {"cost", R"({"tok_s":10})", "price is required"},
      {"cost", R"({"price":1000})", "give model (a served model), shape (a catalog shape) or tok_s"},
      {"cost", R"({"price":1000,"tok_s":5,"utilization":2})", "utilization must be between"},
      {"tokens", R"({})", "give text"},
      {"tokens", R"({"text":"a","messages":[]})", "give text"},
      {"tokens", R"({"messages":[{"role":"user","content":[{"type":"image_url"}]}]})", "only text content"},
      {"tokens", R"({"model":"other","text":"a"})", "other"},
  };
  const Router router(*model_, config_);
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.api) + " " + c.body);
    HttpReply r = router.handle(post(std::string("/tools/api/") + c.api, c.body));
    EXPECT_TRUE(r.status == 400 || r.status == 404) << r.status;
    const Json e = Json::parse(body_of(r));
    EXPECT_NE(e["error"]["message"].get<std::string>().find(c.says), std::string::npos) << e.dump();
  }
}

TEST_F(ToolsApiTest, OptionsListTheFormsChoicesAndTheKeyIsNeeded) {
  const Router router(*model_, config_);
  HttpReply o = router.handle(get("/tools/api/options"));
  ASSERT_EQ(o.status, 200);
  const Json j = Json::parse(o.body);
  EXPECT_EQ(j["models"], Json::array({"tiny-llama-Q8_0"}));
  EXPECT_EQ(j["hardware"][0]["name"], "this");
  EXPECT_NE(std::find(j["shapes"].begin(), j["shapes"].end(), "qwen2.5-0.5b"), j["shapes"].end());
  EXPECT_NE(std::find(j["types"].begin(), j["types"].end(), "Q4_K_M"), j["types"].end());
  EXPECT_EQ(router.handle(post("/tools/api/fit", "{}", /*with_key=*/false)).status, 401);
  EXPECT_EQ(router.handle(get("/tools/api/plan")).status, 405);
  // The pages themselves: /tools and one per tool.
  for (const char* page : {"/tools", "/tools/fit", "/tools/memory", "/tools/speed", "/tools/cost", "/tools/tokens"}) {
    HttpRequest req{"GET", page, {}, ""};
    const HttpReply r = router.handle(req);
    EXPECT_EQ(r.status, 200) << page;
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8") << page;
  }
}

}  // namespace
}  // namespace hearth::server
