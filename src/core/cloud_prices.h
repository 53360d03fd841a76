// Cloud API prices per million tokens, and the editable JSON file that holds
// them. Shared by `hearth cost` / `hearth tokens` (src/plan, src/cli) and the
// gateway's cost accounting (src/gateway/prices.h), so one file serves both.
//
// File format: {"prices": [{"name", "input_per_million", "output_per_million"}, ...]}
// (USD per million input / output tokens; names are matched exactly).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace hearth {

struct CloudPrice {
  std::string name;
  double input_per_million = 0;   // USD per million input tokens
  double output_per_million = 0;  // USD per million output tokens
};

// Built in: GPT-5.5 $5 in / $30 out, Claude Opus 4.8 $5 / $25 per M tokens.
std::vector<CloudPrice> default_cloud_prices();
// {"prices": [{"name", "input_per_million", "output_per_million"}, ...]}
nlohmann::ordered_json cloud_prices_json(const std::vector<CloudPrice>& prices);
// Reads that file; throws IoError when it cannot be opened and FormatError
// naming the file and the bad entry (not JSON, missing field, negative price).
std::vector<CloudPrice> load_cloud_prices(const std::filesystem::path& path);

}  // namespace hearth
