#include "server/tools_api.h"

#include <optional>
#include <string>
#include <string_view>

#include "model/catalog.h"
#include "model/quant_recipe.h"
#include "plan/hardware.h"
#include "plan/queries.h"
#include "plan/report_json.h"
#include "server/api_error.h"
#include "server/config.h"
#include "server/json_fields.h"

namespace hearth::server {

namespace {

// This machine, probed on first use and kept: a probe measures the memory
// bandwidth, too slow (and too noisy) to repeat for every request.
const plan::Hardware& this_machine() {
  static const plan::Hardware probed = plan::probe_this_machine();
  return probed;
}

plan::Hardware hardware(std::string_view name, int gpus) {
  return plan::resolve_hardware(name, gpus, [] { return this_machine(); });
}

// The GGUF path of a served model, by the name clients use; 400 listing the
// served names otherwise.
std::string served_path(const std::string& name, const std::vector<ModelFile>& served) {
  std::string names;
  for (const ModelFile& m : served) {
    if (m.name == name || m.path == name) return m.path;
    names += (names.empty() ? "" : ", ") + m.name;
  }
  throw bad_request(
      "model '" + name + "' is not served here (served: " + names + "); plan a catalog shape with \"shape\"", "model");
}

// {model | shape [, type]}: exactly one of model and shape.
plan::ModelSpec model_spec(const Fields& f, const std::vector<ModelFile>& served, bool required) {
  plan::ModelSpec m;
  const auto model = f.string("model");
  const auto shape = f.string("shape");
  if (model && shape) throw bad_request("give model (a served model) or shape (a catalog shape), not both", "model");
  if (!model && !shape && required) {
    throw bad_request("give model (a served model) or shape (a catalog shape)", "shape");
  }
  if (model) m.model_path = served_path(*model, served);
  if (shape) m.shape = *shape;
  if (const auto type = f.string("type")) {
    if (model) throw bad_request("type applies to shape only (a model file has its own types)", "type");
    m.type = *type;
  }
  return m;
}

constexpr int64_t kMaxCtx = int64_t{1} << 24;

}  // namespace

HttpReply tools_options(const std::vector<ModelFile>& served) {
  Json shapes = Json::array();
  for (const auto& s : model::shape_catalog()) shapes.push_back(s.name);
  Json types = Json::array();
  const std::string names = model::file_type_names();
  for (size_t at = 0; at < names.size();) {
    const size_t comma = names.find(", ", at);
    types.push_back(names.substr(at, comma == std::string::npos ? std::string::npos : comma - at));
    at = comma == std::string::npos ? names.size() : comma + 2;
  }
  Json hw = Json::array({{{"name", "this"}, {"description", "this machine (probed)"}}});
  for (const auto& h : plan::hardware_catalog()) hw.push_back({{"name", h.name}, {"description", h.description}});
  Json models = Json::array();
  for (const ModelFile& m : served) models.push_back(m.name);
  return json_reply({{"shapes", shapes},
                     {"types", types},
                     {"default_type", plan::kDefaultShapeType},
                     {"kv_types", {"f16", "q8_0", "q4_0", "f32"}},
                     {"hardware", hw},
                     {"models", models}});
}

HttpReply tools_plan(const HttpRequest& req, const std::vector<ModelFile>& served) {
  const Json body = parse_body(req.body);
  const Fields f(body);
  f.reject_unknown({"model", "shape", "type", "ctx", "kv_type", "parallel", "batch", "hardware", "gpus", "finetune",
                    "rank", "finetune_seq"});
  plan::PlanQuery q;
  q.model = model_spec(f, served, true);
  q.request.ctx = f.integer("ctx", 1, kMaxCtx).value_or(0);
  q.kv_type = f.string("kv_type").value_or(q.kv_type);
  q.request.parallel = static_cast<int>(f.integer("parallel", 1, 256).value_or(1));
  q.request.batch = f.integer("batch", 1, 8192).value_or(512);
  q.hardware = f.string("hardware").value_or(q.hardware);
  q.gpus = static_cast<int>(f.integer("gpus", 0, 64).value_or(0));
  q.finetune = f.string("finetune").value_or("");
  q.rank = static_cast<int>(f.integer("rank", 1, 4096).value_or(q.rank));
  q.finetune_seq = f.integer("finetune_seq", 1, int64_t{1} << 20).value_or(q.finetune_seq);
  const ServerConfig defaults;  // the snippets name the default address, as the CLI's do
  q.host = defaults.host;
  q.port = defaults.port;
  return json_reply(plan::plan_answer_json(plan::answer_plan(q, hardware)));
}

HttpReply tools_fit(const HttpRequest& req) {
  const Json body = parse_body(req.body);
  const Fields f(body);
  f.reject_unknown({"hardware", "gpus", "ctx"});
  const int gpus = static_cast<int>(f.integer("gpus", 0, 64).value_or(0));
  const auto hw = hardware(f.string("hardware").value_or("this"), gpus);
  return json_reply(plan::fit_json(plan::answer_fit(hw, f.integer("ctx", 1, kMaxCtx).value_or(4096), 0)));
}

HttpReply tools_cost(const HttpRequest& req, const std::vector<ModelFile>& served) {
  const Json body = parse_body(req.body);
  const Fields f(body);
  f.reject_unknown({"model", "shape", "type", "tok_s", "price", "power_w", "electricity", "utilization",
                    "amortization_months", "input_ratio", "hardware", "gpus", "parallel", "ctx"});
  plan::CostQuery q;
  q.model = model_spec(f, served, false);
  plan::OwnedHardware& o = q.owned;
  o.tok_s = f.number("tok_s", 1e-9, 1e12).value_or(0);
  const auto price = f.number("price", 1e-9, 1e12);
  if (!price) throw bad_request("price is required (what the hardware costs, USD)", "price");
  o.price = *price;
  o.power_watts = f.number("power_w", 0, 1e7).value_or(0);
  o.electricity_per_kwh = f.number("electricity", 0, 1e3).value_or(0.30);
  o.utilization = f.number("utilization", 0.001, 1).value_or(o.utilization);
  o.amortization_months = f.number("amortization_months", 1, 240).value_or(o.amortization_months);
  o.input_per_output = f.number("input_ratio", 0, 1e6).value_or(o.input_per_output);
  if (o.tok_s <= 0 && q.model.model_path.empty() && q.model.shape.empty()) {
    throw bad_request("give model (a served model), shape (a catalog shape) or tok_s (the hardware's decode speed)",
                      "tok_s");
  }
  q.hardware = f.string("hardware").value_or(q.hardware);
  q.gpus = static_cast<int>(f.integer("gpus", 0, 64).value_or(0));
  q.parallel = static_cast<int>(f.integer("parallel", 1, 256).value_or(q.parallel));
  q.ctx = f.integer("ctx", 1, kMaxCtx).value_or(q.ctx);
  return json_reply(plan::cost_json(plan::answer_cost(q, hardware)));
}

HttpReply tools_tokens(const ModelService& model, const HttpRequest& req) {
  const Json body = parse_body(req.body);
  const Fields f(body);
  f.reject_unknown({"model", "text", "messages", "ctx"});
  const auto text = f.string("text");
  if (text.has_value() == f.has("messages")) {
    throw bad_request("give text (plain text) or messages (a chat), one of them", "text");
  }
  plan::TokenCount count;
  if (text) {
    count = {"text", false, model.text_prompt(*text).size()};
  } else {
    count = {"messages", true, model.chat_prompt(f.at("messages")).size()};
  }
  // Default: the trained context, as `hearth tokens` takes it (unknown when the file has none).
  std::optional<int64_t> ctx = f.integer("ctx", 1, int64_t{1} << 40);
  if (!ctx && model.model().hparams().n_ctx_train > 0) ctx = model.model().hparams().n_ctx_train;
  return json_reply(plan::tokens_json(model.path(), ctx, {count}, plan::default_cloud_prices()));
}

}  // namespace hearth::server
