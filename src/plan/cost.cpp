#include "plan/cost.h"

#include <limits>

#include "core/error.h"

namespace hearth::plan {

namespace {
constexpr double kSecondsPerMonth = 30.0 * 24 * 3600;  // 2,592,000
constexpr double kHoursPerMonth = 30.0 * 24;
}  // namespace

CostComparison compare_cost(const OwnedHardware& o, const CloudPrice& cloud) {
  if (o.tok_s <= 0) throw Error("the hardware's decode speed must be positive (pass --tok-s or a model that runs)");
  if (o.amortization_months <= 0) throw Error("--amortization-months must be positive");
  if (o.utilization <= 0 || o.utilization > 1) throw Error("--utilization must be in (0, 1]");
  if (o.price < 0 || o.power_watts < 0 || o.electricity_per_kwh < 0 || o.input_per_output < 0) {
    throw Error("price, power, electricity and input ratio must not be negative");
  }
  CostComparison c;
  c.cloud = cloud.name;
  c.output_tokens_per_month = o.tok_s * kSecondsPerMonth * o.utilization;
  c.input_tokens_per_month = c.output_tokens_per_month * o.input_per_output;
  // Cloud dollars per output token, input included at the stated ratio.
  const double cloud_per_output =
      (cloud.output_per_million + o.input_per_output * cloud.input_per_million) / 1e6;
  c.cloud_per_month = c.output_tokens_per_month * cloud_per_output;
  c.electricity_per_month = o.power_watts / 1000.0 * kHoursPerMonth * o.utilization * o.electricity_per_kwh;
  c.owned_per_month = o.price / o.amortization_months + c.electricity_per_month;
  // Electricity per output token is the same at any volume (it scales with
  // utilization), so owning wins above the volume where the cloud's margin
  // over electricity pays the amortization.
  const double electricity_per_output = c.electricity_per_month / c.output_tokens_per_month;
  const double margin = cloud_per_output - electricity_per_output;
  if (margin > 0) {
    c.break_even_output_tokens_per_month = (o.price / o.amortization_months) / margin;
    c.months_to_break_even = o.price / (c.cloud_per_month - c.electricity_per_month);
  } else {
    c.months_to_break_even = std::numeric_limits<double>::infinity();
  }
  return c;
}

}  // namespace hearth::plan
