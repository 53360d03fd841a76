// `hearth bench serve`, run as a user would: the JSON report has a level per
// concurrency, every stream generated its tokens, and the latency figures
// are ordered (no speed is asserted — the machine is shared).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_data.h"

namespace hearth {
namespace {

using hearth::test::run_hearth;
using Json = nlohmann::json;

Json serve_json(std::vector<std::string> args) {
  args.insert(args.begin(), {"bench", "serve"});
  for (const char* a : {"--json", "-t", "2"}) args.emplace_back(a);
  const auto r = run_hearth(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return Json::parse(r.out);
}

void expect_level(const Json& l, int concurrency, int64_t n_gen, bool check_batching = true) {
  EXPECT_EQ(l["concurrency"], concurrency);
  // Random weights never end a generation: every stream runs to n_gen.
  EXPECT_EQ(l["tokens"], concurrency * n_gen);
  EXPECT_GT(l["decode_tok_s"].get<double>(), 0.0);
  EXPECT_GT(l["output_tok_s"].get<double>(), 0.0);
  EXPECT_GT(l["ttft_ms"]["p50"].get<double>(), 0.0);
  EXPECT_LE(l["ttft_ms"]["p50"].get<double>(), l["ttft_ms"]["p99"].get<double>());
  EXPECT_LE(l["itl_ms"]["p50"].get<double>(), l["itl_ms"]["p99"].get<double>());
  // Batched: fewer forward steps than tokens once several streams run (the
  // streams are submitted one after another, so a very short run may not overlap).
  if (check_batching && concurrency > 1) {
    EXPECT_LT(l["steps"].get<int64_t>(), concurrency * n_gen);
  }
}

TEST(BenchServeCli, ReportsEachConcurrencyLevel) {
  const Json j = serve_json({hearth::test::data_path("tiny/tiny-llama-Q8_0.gguf").string(), "-c", "1,2,3", "-p", "4", "-n", "6"});
  EXPECT_EQ(j["engine"], "scheduler in process");
  EXPECT_EQ(j["n_prompt"], 4);
  ASSERT_EQ(j["levels"].size(), 3u);
  for (int i = 0; i < 3; ++i) expect_level(j["levels"][static_cast<size_t>(i)], i + 1, 6);
  EXPECT_EQ(j["levels"][0]["speedup"], 1.0);
  EXPECT_DOUBLE_EQ(j["levels"][2]["speedup"].get<double>(),
                   j["levels"][2]["decode_tok_s"].get<double>() / j["levels"][0]["decode_tok_s"].get<double>());
}

TEST(BenchServeCli, SyntheticShapeRunsWithAStandInTokenizer) {
  const Json j = serve_json({"--shape", "qwen2.5-0.5b", "--type", "Q8_0", "-c", "1,2", "-p", "3", "-n", "3"});
  EXPECT_EQ(j["model"], "qwen2.5-0.5b (synthetic)");
  ASSERT_EQ(j["levels"].size(), 2u);
  expect_level(j["levels"][1], 2, 3, /*check_batching=*/false);
}

TEST(BenchServeCli, BadArgumentsAreClearErrors) {
  auto r = run_hearth({"bench", "serve", "-c", "0"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--concurrency"), std::string::npos) << r.err;
  r = run_hearth({"bench", "serve", "--shape", "llama9-1t"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("unknown model shape 'llama9-1t'"), std::string::npos) << r.err;
  r = run_hearth({"bench", "serve", "-n", "1"});
  EXPECT_NE(r.exit_code, 0);
}

}  // namespace
}  // namespace hearth
