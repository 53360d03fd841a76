#include "plan/cost.h"

#include <fstream>
#include <limits>

#include "core/error.h"

namespace hearth::plan {

namespace {
constexpr double kSecondsPerMonth = 30.0 * 24 * 3600;  // 2,592,000
constexpr double kHoursPerMonth = 30.0 * 24;
}  // namespace

std::vector<CloudPrice> default_cloud_prices() {
  return {{"GPT-5.5", 5.0, 30.0}, {"Claude Opus 4.8", 5.0, 25.0}};
}

nlohmann::ordered_json cloud_prices_json(const std::vector<CloudPrice>& prices) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const CloudPrice& p : prices) {
    list.push_back(
        {{"name", p.name}, {"input_per_million", p.input_per_million}, {"output_per_million", p.output_per_million}});
  }
  return {{"prices", list}};
}

std::vector<CloudPrice> load_cloud_prices(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw IoError(path.string() + ": cannot open the price file");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(path.string() + ": not JSON (" + e.what() + ")");
  }
  if (!j.is_object() || !j.contains("prices") || !j["prices"].is_array() || j["prices"].empty()) {
    throw FormatError(path.string() + ": expected {\"prices\": [{\"name\", \"input_per_million\", \"output_per_million\"}, ...]}");
  }
  std::vector<CloudPrice> out;
  for (size_t i = 0; i < j["prices"].size(); ++i) {
    const auto& e = j["prices"][i];
    const std::string where = path.string() + ": prices[" + std::to_string(i) + "]";
    if (!e.is_object() || !e.contains("name") || !e["name"].is_string() || !e.contains("input_per_million") ||
        !e["input_per_million"].is_number() || !e.contains("output_per_million") ||
        !e["output_per_million"].is_number()) {
      throw FormatError(where + " needs a string name and numbers input_per_million, output_per_million");
    }
    CloudPrice p{e["name"].get<std::string>(), e["input_per_million"].get<double>(),
                 e["output_per_million"].get<double>()};
    if (p.input_per_million < 0 || p.output_per_million < 0) throw FormatError(where + ": prices must not be negative");
    out.push_back(p);
  }
  return out;
}

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
