// Owning hardware against paying a cloud API per token.
//
//   tokens per month   = decode tok/s (all sequences) x 2,592,000 s x utilization
//                        (output tokens; input tokens = input_per_output x that)
//   cloud per month    = output M x output price + input M x input price
//   owned per month    = price / amortization months
//                        + power kW x 720 h x utilization x electricity price
//   break-even volume  = the output tokens per month at which both cost the same
//   months to break even = price / (cloud per month - electricity per month)
//                        (never, when electricity costs more than the cloud)
// Prefill of the input tokens is taken as free beside decode (it runs 10-100x
// faster); the figures say so.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace hearth::plan {

struct CloudPrice {
  std::string name;
  double input_per_million = 0;   // USD per million input tokens
  double output_per_million = 0;  // USD per million output tokens
};

// Built in: GPT-5.5 $5 in / $30 out, Claude Opus 4.8 $5 / $25 per M tokens.
std::vector<CloudPrice> default_cloud_prices();
// {"prices": [{"name", "input_per_million", "output_per_million"}, ...]}
nlohmann::ordered_json cloud_prices_json(const std::vector<CloudPrice>& prices);
// Reads that file; throws FormatError naming the file and the bad entry.
std::vector<CloudPrice> load_cloud_prices(const std::filesystem::path& path);

struct OwnedHardware {
  double price = 0;              // USD
  double power_watts = 0;        // at load
  double electricity_per_kwh = 0;
  double utilization = 0.5;      // share of the month it generates
  double amortization_months = 36;
  double tok_s = 0;              // decode, all sequences together
  double input_per_output = 3;   // input tokens per output token
};

struct CostComparison {
  std::string cloud;
  double output_tokens_per_month = 0, input_tokens_per_month = 0;
  double cloud_per_month = 0;         // the same volume at the cloud's prices
  double owned_per_month = 0;         // amortization + electricity
  double electricity_per_month = 0;
  double break_even_output_tokens_per_month = 0;  // 0 when the cloud is never dearer
  double months_to_break_even = 0;    // infinity when never
};

// Throws hearth::Error for a non-positive tok/s or amortization, or a
// utilization outside (0, 1].
CostComparison compare_cost(const OwnedHardware& owned, const CloudPrice& cloud);

}  // namespace hearth::plan
