// The JSON objects `hearth plan|fit|cost|tokens --json` print and `hearth
// serve` answers at /tools/api/{plan,fit,cost,tokens}: one builder each,
// used by both, so the web pages show exactly what the command line prints.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "plan/cost.h"
#include "plan/queries.h"

namespace hearth::plan {

// plan_json (plan/report.h), plus "serve_command" and "snippets" {curl,
// python, javascript} when the plan fits, and "finetune" when asked for.
nlohmann::ordered_json plan_answer_json(const PlanAnswer& a);

// {"hardware", "min_context", "models": [{"shape", "type", "params",
//  "file_bytes", "total_bytes", "max_context", "decode_tok_s", "prefill_tok_s"}]}
nlohmann::ordered_json fit_json(const FitAnswer& a);

// {"tok_s", "price_usd", "power_watts", "electricity_usd_per_kwh",
//  "utilization", "amortization_months", "input_per_output",
//  "comparisons": [{"cloud", "output_tokens_per_month", "input_tokens_per_month",
//  "cloud_usd_per_month", "owned_usd_per_month", "electricity_usd_per_month",
//  "break_even_output_tokens_per_month", "months_to_break_even" (null: never)}]}
nlohmann::ordered_json cost_json(const CostAnswer& a);

// One counted input of `hearth tokens`: a file (the CLI) or a pasted text /
// messages array (the server).
struct TokenCount {
  std::string path;   // the file, or "text" / "messages"
  bool chat = false;  // rendered with the chat template first
  size_t tokens = 0;
};
// {"model", "ctx" (null: unknown), "files": [{"path", "kind": "chat"|"text",
//  "tokens", "fits" (null: ctx unknown), "input_cost_usd": {cloud: USD}}],
//  "totals": {"tokens", "input_cost_usd"}}
nlohmann::ordered_json tokens_json(const std::string& model, std::optional<int64_t> ctx,
                                   const std::vector<TokenCount>& counts, const std::vector<CloudPrice>& prices);

// USD of `tokens` input tokens at the cloud's input price.
double input_cost(size_t tokens, const CloudPrice& price);

}  // namespace hearth::plan
