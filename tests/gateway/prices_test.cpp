// gateway/prices.h: the shared price file (core/cloud_prices.h) read by the
// gateway, and the cost of a request on round numbers.
#include <gtest/gtest.h>

#include <fstream>

#include "core/error.h"
#include "gateway/prices.h"
#include "test_data.h"

namespace hearth::gateway {
namespace {

TEST(Prices, CostOfARequestOnRoundNumbers) {
  const PriceTable table({{"gpt-5.5", 5.0, 30.0}, {"claude-opus-4.8", 5.0, 25.0}});
  // 1,000 prompt tokens at $5/M + 2,000 output at $30/M = $0.005 + $0.06.
  EXPECT_NEAR(table.cost_usd("gpt-5.5", 1000, 2000), 0.065, 1e-12);
  EXPECT_NEAR(table.cost_usd("claude-opus-4.8", 1'000'000, 0), 5.0, 1e-12);
  EXPECT_EQ(table.cost_usd("gpt-5.5", 0, 0), 0.0);
  ASSERT_NE(table.find("gpt-5.5"), nullptr);
  EXPECT_EQ(table.find("GPT-5.5"), nullptr);  // exact names
}

TEST(Prices, UnknownModelIsRefusedNamingThePricedOnes) {
  const PriceTable table({{"gpt-5.5", 5.0, 30.0}});
  try {
    table.cost_usd("gpt-9", 1, 1);
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("no price for cloud model \"gpt-9\" (priced: gpt-5.5)"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(PriceTable({{"a", 1, 1}, {"a", 2, 2}}), FormatError);
  EXPECT_THROW(table.cost_usd("gpt-5.5", -1, 0), Error);
}

TEST(Prices, ReadsTheFileHearthCostWrites) {
  const auto dir = hearth::test::temp_dir("prices");
  const auto path = dir / "prices.json";
  // The same writer `hearth cost --write-prices` uses.
  std::ofstream(path) << cloud_prices_json({{"burst-model", 2.0, 8.0}}).dump(2);
  const PriceTable table = PriceTable::load(path);
  ASSERT_EQ(table.prices().size(), 1u);
  EXPECT_NEAR(table.cost_usd("burst-model", 500'000, 250'000), 1.0 + 2.0, 1e-12);

  std::ofstream(dir / "bad.json") << R"({"prices": [{"name": "x", "input_per_million": -1, "output_per_million": 1}]})";
  EXPECT_THROW(PriceTable::load(dir / "bad.json"), FormatError);
  EXPECT_THROW(PriceTable::load(dir / "missing.json"), IoError);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hearth::gateway
