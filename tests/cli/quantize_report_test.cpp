// `hearth quantize --report`: stories260K quantized to two types and scored on
// story.txt, one row per type. Each row must agree with what the separate
// tools give: its size with the reference quantizer's file of that recipe
// (hearth quantize writes byte-equal sizes: tests/cli/quantize_test.cpp), its
// perplexity with the reference's golden within 0.5% (the bound and its reason
// are in tests/cli/perplexity_test.cpp), and more bits must mean less KL.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "test_data.h"

namespace hearth {
namespace {

using Json = nlohmann::json;

double golden_ppl(const std::string& file, int n_ctx) {
  const auto golden = Json::parse(test::read_text(test::data_path("perplexity/perplexity.json")));
  for (const auto& row : golden["results"]) {
    if (row["model"] == file && row["n_ctx"] == n_ctx) return row["ppl"];
  }
  ADD_FAILURE() << "no golden row for " << file;
  return 0;
}

TEST(QuantizeReport, OneRowPerTypeAgreeingWithTheSeparateTools) {
  const auto r = test::run_hearth({"quantize", "--report", test::kStories, "--text",
                                   test::data_path("perplexity/story.txt").string(), "--ctx", "128", "--types",
                                   "Q8_0,Q4_0", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json j = Json::parse(r.out);
  EXPECT_NEAR(j["base_ppl"].get<double>(), golden_ppl("models/stories260K.gguf", 128), 0.001 * 3.7362);
  ASSERT_EQ(j["rows"].size(), 2u);
  const Json& q8 = j["rows"][0];
  const Json& q4 = j["rows"][1];
  EXPECT_EQ(q8["type"], "Q8_0");
  EXPECT_EQ(q4["type"], "Q4_0");
  for (const auto* row : {&q8, &q4}) {
    const std::string type = (*row)["type"];
    const auto reference = test::data_path("stories260K-quant/s260k-" + type + ".gguf");
    EXPECT_EQ((*row)["bytes"].get<uint64_t>(), std::filesystem::file_size(reference)) << type;
    const double want = golden_ppl("models/stories260K-quant/s260k-" + type + ".gguf", 128);
    EXPECT_NEAR((*row)["ppl"].get<double>(), want, 0.005 * want) << type;
  }
  EXPECT_GT(q8["bits_per_weight"].get<double>(), q4["bits_per_weight"].get<double>());
  EXPECT_GT(q8["kl_mean"].get<double>(), 0.0);
  EXPECT_LT(q8["kl_mean"].get<double>(), q4["kl_mean"].get<double>());
  EXPECT_GT(q8["top1_agreement"].get<double>(), q4["top1_agreement"].get<double>());
}

TEST(QuantizeReport, MissingInputsAreClearErrors) {
  const auto no_text = test::run_hearth({"quantize", "--report", test::kStories});
  EXPECT_NE(no_text.exit_code, 0);
  EXPECT_NE(no_text.err.find("--report needs --text"), std::string::npos) << no_text.err;
  const auto bad_type = test::run_hearth({"quantize", "--report", test::kStories,
                                          "--text", test::data_path("perplexity/story.txt").string(), "--ctx", "128",
                                          "--types", "Q8_0,Q9_9"});
  EXPECT_NE(bad_type.exit_code, 0);
  EXPECT_NE(bad_type.err.find("Q9_9"), std::string::npos) << bad_type.err;
  const auto no_positionals = test::run_hearth({"quantize", "in.gguf"});
  EXPECT_NE(no_positionals.exit_code, 0);
  EXPECT_NE(no_positionals.err.find("quantize needs IN OUT TYPE"), std::string::npos) << no_positionals.err;
}

}  // namespace
}  // namespace hearth
