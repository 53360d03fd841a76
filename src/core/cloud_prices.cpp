#include "core/cloud_prices.h"

#include <fstream>

#include "core/error.h"

namespace hearth {

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

}  // namespace hearth
