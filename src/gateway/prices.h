// What a cloud request costs: the cloud model's price per million input and
// output tokens, from the same price file `hearth cost --prices` and
// `hearth tokens` read (core/cloud_prices.h: {"prices": [{"name",
// "input_per_million", "output_per_million"}, ...]}), where `name` is the
// model name sent to the cloud. The plan layer (model, compute...) is not a
// dependency of the gateway; the price table and its file moved to core so
// both share one format and one loader.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/cloud_prices.h"

namespace hearth::gateway {

class PriceTable {
 public:
  // Throws FormatError when two entries share a name.
  explicit PriceTable(std::vector<CloudPrice> prices);
  // load_cloud_prices(path) (IoError / FormatError naming the file).
  static PriceTable load(const std::filesystem::path& path);

  // The entry for `cloud_model` (exact name), or nullptr.
  const CloudPrice* find(const std::string& cloud_model) const;
  // USD for the tokens: prompt x input price + completion x output price,
  // per million. Throws FormatError naming the model and the priced ones when
  // `cloud_model` has no price (a request is never sent at an unknown cost).
  double cost_usd(const std::string& cloud_model, int64_t prompt_tokens, int64_t completion_tokens) const;

  const std::vector<CloudPrice>& prices() const { return prices_; }

 private:
  std::vector<CloudPrice> prices_;
};

}  // namespace hearth::gateway
