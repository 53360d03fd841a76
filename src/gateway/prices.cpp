#include "gateway/prices.h"

#include <set>

#include "core/error.h"

namespace hearth::gateway {

PriceTable::PriceTable(std::vector<CloudPrice> prices) : prices_(std::move(prices)) {
  std::set<std::string> names;
  for (const CloudPrice& p : prices_) {
    if (!names.insert(p.name).second) throw FormatError("two prices are given for \"" + p.name + "\"");
  }
}

PriceTable PriceTable::load(const std::filesystem::path& path) { return PriceTable(load_cloud_prices(path)); }

const CloudPrice* PriceTable::find(const std::string& cloud_model) const {
  for (const CloudPrice& p : prices_) {
    if (p.name == cloud_model) return &p;
  }
  return nullptr;
}

double PriceTable::cost_usd(const std::string& cloud_model, int64_t prompt_tokens, int64_t completion_tokens) const {
  const CloudPrice* p = find(cloud_model);
  if (p == nullptr) {
    std::string names;
    for (const CloudPrice& q : prices_) names += (names.empty() ? "" : ", ") + q.name;
    throw FormatError("no price for cloud model \"" + cloud_model + "\" (priced: " + names +
                      "); add it to the price file");
  }
  if (prompt_tokens < 0 || completion_tokens < 0) throw Error("token counts must not be negative");
  return (static_cast<double>(prompt_tokens) * p->input_per_million +
          static_cast<double>(completion_tokens) * p->output_per_million) /
         1e6;
}

}  // namespace hearth::gateway
