// plan/cost.h: the stated formulas on round numbers, the price file, and
// `hearth cost` through the real binary.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "plan/cost.h"
#include "test_data.h"

namespace hearth::plan {
namespace {

TEST(Cost, RoundNumbersFollowTheFormulas) {
  OwnedHardware o;
  o.price = 3000;
  o.power_watts = 500;
  o.electricity_per_kwh = 0.20;
  o.utilization = 0.5;
  o.amortization_months = 30;
  o.tok_s = 100;
  o.input_per_output = 0;  // output only, for round numbers
  const CostComparison c = compare_cost(o, {"cloud", 5, 25});
  // 100 tok/s x 2,592,000 s x 0.5 = 129.6 M output tokens at $25/M = $3240.
  EXPECT_DOUBLE_EQ(c.output_tokens_per_month, 129.6e6);
  EXPECT_NEAR(c.cloud_per_month, 3240, 1e-6);
  // 0.5 kW x 720 h x 0.5 x $0.20 = $36; + $3000 / 30 = $136.
  EXPECT_NEAR(c.electricity_per_month, 36, 1e-9);
  EXPECT_NEAR(c.owned_per_month, 136, 1e-9);
  // Pays back $3000 at $3240 - $36 a month: under one month.
  EXPECT_NEAR(c.months_to_break_even, 3000.0 / 3204.0, 1e-9);
  // Break-even volume: $100 of amortization over a margin of
  // $25/M - $36/129.6M per output token.
  EXPECT_NEAR(c.break_even_output_tokens_per_month, 100.0 / (25e-6 - 36.0 / 129.6e6), 1e-3);
  // Input tokens at $5/M add to the cloud side.
  o.input_per_output = 3;
  EXPECT_NEAR(compare_cost(o, {"cloud", 5, 25}).cloud_per_month, 3240 + 3 * 129.6 * 5, 1e-6);
}

TEST(Cost, NeverBreaksEvenWhenElectricityCostsMoreThanTheCloud) {
  OwnedHardware o;
  o.price = 1000;
  o.power_watts = 1000;
  o.electricity_per_kwh = 1.0;
  o.tok_s = 1;
  const CostComparison c = compare_cost(o, {"cheap", 0.01, 0.01});
  EXPECT_TRUE(std::isinf(c.months_to_break_even));
  EXPECT_EQ(c.break_even_output_tokens_per_month, 0);
  o.tok_s = 0;
  EXPECT_THROW(compare_cost(o, {"x", 1, 1}), Error);
}

TEST(Cost, DefaultsAndPriceFileRoundTrip) {
  const auto d = default_cloud_prices();
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].name, "GPT-5.5");
  EXPECT_EQ(d[0].input_per_million, 5);
  EXPECT_EQ(d[0].output_per_million, 30);
  EXPECT_EQ(d[1].name, "Claude Opus 4.8");
  EXPECT_EQ(d[1].output_per_million, 25);
  const auto dir = test::temp_dir("hearth_cost");
  const auto path = dir / "prices.json";
  const auto w = test::run_hearth({"cost", "--write-prices", path.string()});
  ASSERT_EQ(w.exit_code, 0) << w.err;
  const auto back = load_cloud_prices(path);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[1].name, "Claude Opus 4.8");
  std::ofstream(dir / "bad.json") << R"({"prices": [{"name": "x", "input_per_million": "five"}]})";
  try {
    load_cloud_prices(dir / "bad.json");
    FAIL() << "expected an error";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("prices[0]"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
}

TEST(CostCli, JsonFromAPlannedModelAndClearErrors) {
  const auto r = test::run_hearth({"cost", "--shape", "llama3.1-8b", "--hardware", "rtx4090", "--price", "1800",
                                   "--power-w", "450", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_GT(j["tok_s"].get<double>(), 0);
  ASSERT_EQ(j["comparisons"].size(), 2u);
  EXPECT_EQ(j["comparisons"][0]["cloud"], "GPT-5.5");
  EXPECT_GT(j["comparisons"][0]["cloud_usd_per_month"].get<double>(), 0);
  EXPECT_TRUE(j["comparisons"][0]["months_to_break_even"].is_number());

  const auto no_price = test::run_hearth({"cost", "--tok-s", "10"});
  EXPECT_EQ(no_price.exit_code, 1);
  EXPECT_NE(no_price.err.find("--price"), std::string::npos) << no_price.err;
  const auto no_speed = test::run_hearth({"cost", "--price", "100"});
  EXPECT_EQ(no_speed.exit_code, 1);
  EXPECT_NE(no_speed.err.find("--tok-s"), std::string::npos) << no_speed.err;
  const auto too_big = test::run_hearth({"cost", "--shape", "llama3.1-70b", "--hardware", "rtx3060", "--price", "300"});
  EXPECT_EQ(too_big.exit_code, 1);
  EXPECT_NE(too_big.err.find("does not fit"), std::string::npos) << too_big.err;
  EXPECT_EQ(test::run_hearth({"cost", "--help"}).exit_code, 0);
}

}  // namespace
}  // namespace hearth::plan
