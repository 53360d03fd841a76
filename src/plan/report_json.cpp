#include "plan/report_json.h"

#include <cmath>

#include "plan/report.h"

namespace hearth::plan {

namespace {

using Json = nlohmann::ordered_json;

Json cost_by_cloud(size_t tokens, const std::vector<CloudPrice>& prices) {
  Json cost = Json::object();
  for (const auto& p : prices) cost[p.name] = input_cost(tokens, p);
  return cost;
}

}  // namespace

Json plan_answer_json(const PlanAnswer& a) {
  Json j = plan_json(a.plan);
  if (a.plan.fits) {
    j["serve_command"] = a.snippets.serve;
    j["snippets"] = {{"curl", a.snippets.curl}, {"python", a.snippets.python}, {"javascript", a.snippets.javascript}};
  }
  if (a.finetune) j["finetune"] = finetune_json(*a.finetune);
  return j;
}

Json fit_json(const FitAnswer& a) {
  Json list = Json::array();
  for (const FitCandidate& c : a.models) {
    list.push_back({{"shape", c.shape},
                    {"type", model::file_type_name(c.type)},
                    {"params", c.plan.params},
                    {"file_bytes", c.file_bytes},
                    {"total_bytes", c.plan.total()},
                    {"max_context", c.plan.max_context},
                    {"decode_tok_s", c.plan.decode_tok_s},
                    {"prefill_tok_s", c.plan.prefill_tok_s}});
  }
  return {{"hardware", a.hardware}, {"min_context", a.min_context}, {"models", list}};
}

Json cost_json(const CostAnswer& a) {
  Json list = Json::array();
  for (const CostComparison& c : a.comparisons) {
    list.push_back({{"cloud", c.cloud},
                    {"output_tokens_per_month", c.output_tokens_per_month},
                    {"input_tokens_per_month", c.input_tokens_per_month},
                    {"cloud_usd_per_month", c.cloud_per_month},
                    {"owned_usd_per_month", c.owned_per_month},
                    {"electricity_usd_per_month", c.electricity_per_month},
                    {"break_even_output_tokens_per_month", c.break_even_output_tokens_per_month},
                    {"months_to_break_even",
                     std::isinf(c.months_to_break_even) ? Json(nullptr) : Json(c.months_to_break_even)}});
  }
  const OwnedHardware& o = a.owned;
  return {{"tok_s", o.tok_s},
          {"price_usd", o.price},
          {"power_watts", o.power_watts},
          {"electricity_usd_per_kwh", o.electricity_per_kwh},
          {"utilization", o.utilization},
          {"amortization_months", o.amortization_months},
          {"input_per_output", o.input_per_output},
          {"comparisons", list}};
}

double input_cost(size_t tokens, const CloudPrice& price) {
  return static_cast<double>(tokens) * price.input_per_million / 1e6;
}

Json tokens_json(const std::string& model, std::optional<int64_t> ctx, const std::vector<TokenCount>& counts,
                 const std::vector<CloudPrice>& prices) {
  Json files = Json::array();
  size_t total = 0;
  for (const auto& f : counts) {
    total += f.tokens;
    files.push_back({{"path", f.path},
                     {"kind", f.chat ? "chat" : "text"},
                     {"tokens", f.tokens},
                     {"fits", ctx ? Json(static_cast<int64_t>(f.tokens) <= *ctx) : Json(nullptr)},
                     {"input_cost_usd", cost_by_cloud(f.tokens, prices)}});
  }
  return {{"model", model},
          {"ctx", ctx ? Json(*ctx) : Json(nullptr)},
          {"files", files},
          {"totals", {{"tokens", total}, {"input_cost_usd", cost_by_cloud(total, prices)}}}};
}

}  // namespace hearth::plan
