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

#include <string>

#include "core/cloud_prices.h"

namespace hearth::plan {

// The price table and its file live in core (shared with the gateway).
using hearth::CloudPrice;
using hearth::cloud_prices_json;
using hearth::default_cloud_prices;
using hearth::load_cloud_prices;

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
