// hearth cost (MODEL | --shape NAME [--type T] | --tok-s X) --price USD --power-w W
//             [--hardware NAME|this] [--gpus N] [--parallel N] [--electricity USD/kWh]
//             [--utilization F] [--amortization-months N] [--input-ratio R]
//             [--prices FILE] [--write-prices FILE] [--json]
//
// Owned hardware against cloud API prices (plan/cost.h states the formulas):
// the monthly volume the hardware generates, what that volume would cost in
// the cloud, the volume where owning breaks even, and the months until it has.
// The decode speed comes from `hearth plan`'s model (all --parallel sequences
// together), or --tok-s. Cloud prices: built-in defaults, or an editable JSON
// file (--write-prices writes the defaults to start from).
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "core/error.h"
#include "gguf/file.h"
#include "model/catalog.h"
#include "model/memory.h"
#include "plan/cost.h"
#include "plan/estimate.h"
#include "plan/hardware.h"

namespace hearth::cli {

namespace {

using Json = nlohmann::ordered_json;

struct CostOptions {
  std::string model, shape, type = "Q4_K_M", hardware = "this", prices, write_prices;
  int gpus = 0, parallel = 8, threads = 0;
  int64_t ctx = 4096;
  plan::OwnedHardware owned;
  bool json = false;
};

// Aggregate decode tok/s of the model on the hardware, from the plan.
double planned_tok_s(const CostOptions& o) {
  const model::ModelDims dims = o.model.empty()
                                    ? model::dims_of(model::shape_or_throw(o.shape), model::file_type_or_throw(o.type))
                                    : model::dims_of(gguf::File::open(o.model));
  plan::ProbeOptions probe;
  probe.threads = o.threads;
  plan::PlanRequest req;
  req.ctx = std::min(o.ctx, dims.hp.n_ctx_train);
  req.parallel = o.parallel;
  req.threads = o.threads;
  const plan::Plan p = plan::make_plan(dims, plan::resolve_hardware(o.hardware, o.gpus, probe), req);
  if (!p.fits) throw Error(dims.label + " does not fit " + p.hardware + " at --ctx " + std::to_string(req.ctx) +
                           " x --parallel " + std::to_string(o.parallel) + " (see hearth plan)");
  return p.decode_tok_s_total;
}

std::string months(double m) { return std::isinf(m) ? "never" : std::to_string(static_cast<int>(std::ceil(m))); }

int run_cost(CostOptions o) {
  if (!o.write_prices.empty()) {
    std::ofstream out(o.write_prices);
    if (!out) throw IoError(o.write_prices + ": cannot write the price file");
    out << plan::cloud_prices_json(plan::default_cloud_prices()).dump(2) << "\n";
    std::fprintf(stderr, "hearth: wrote the default cloud prices to %s (edit it, then pass --prices)\n",
                 o.write_prices.c_str());
    return 0;
  }
  if (o.owned.price <= 0) throw Error("cost needs --price USD (what the hardware costs)");
  if (o.owned.tok_s <= 0) {
    if (o.model.empty() && o.shape.empty()) throw Error("cost needs a MODEL file, --shape NAME or --tok-s X");
    o.owned.tok_s = planned_tok_s(o);
  }
  const auto prices = o.prices.empty() ? plan::default_cloud_prices() : plan::load_cloud_prices(o.prices);
  Json list = Json::array();
  for (const auto& cloud : prices) {
    const plan::CostComparison c = plan::compare_cost(o.owned, cloud);
    list.push_back({{"cloud", c.cloud},
                    {"output_tokens_per_month", c.output_tokens_per_month},
                    {"input_tokens_per_month", c.input_tokens_per_month},
                    {"cloud_usd_per_month", c.cloud_per_month},
                    {"owned_usd_per_month", c.owned_per_month},
                    {"electricity_usd_per_month", c.electricity_per_month},
                    {"break_even_output_tokens_per_month", c.break_even_output_tokens_per_month},
                    {"months_to_break_even", std::isinf(c.months_to_break_even) ? Json(nullptr)
                                                                                 : Json(c.months_to_break_even)}});
  }
  if (o.json) {
    Json j = {{"tok_s", o.owned.tok_s},
              {"price_usd", o.owned.price},
              {"power_watts", o.owned.power_watts},
              {"electricity_usd_per_kwh", o.owned.electricity_per_kwh},
              {"utilization", o.owned.utilization},
              {"amortization_months", o.owned.amortization_months},
              {"input_per_output", o.owned.input_per_output},
              {"comparisons", list}};
    std::printf("%s\n", j.dump(2).c_str());
    return 0;
  }
  std::printf("owned: $%.0f, %.0f W at $%.3f/kWh, %.0f%% utilized, amortized over %.0f months, %.1f tok/s\n",
              o.owned.price, o.owned.power_watts, o.owned.electricity_per_kwh, o.owned.utilization * 100,
              o.owned.amortization_months, o.owned.tok_s);
  std::printf("(input tokens: %.1f per output token, their prefill counted as free)\n\n", o.owned.input_per_output);
  for (const auto& c : list) {
    std::printf("vs %s:\n  %.1f M output tokens/month would cost $%.0f in the cloud; owning costs $%.0f/month "
                "($%.0f electricity)\n  break-even volume %.1f M output tokens/month; pays for itself in %s months\n",
                c["cloud"].get<std::string>().c_str(), c["output_tokens_per_month"].get<double>() / 1e6,
                c["cloud_usd_per_month"].get<double>(), c["owned_usd_per_month"].get<double>(),
                c["electricity_usd_per_month"].get<double>(),
                c["break_even_output_tokens_per_month"].get<double>() / 1e6,
                c["months_to_break_even"].is_null() ? "never"
                                                    : months(c["months_to_break_even"].get<double>()).c_str());
  }
  return 0;
}

}  // namespace

void register_cost(CLI::App& app, Handler& handler) {
  auto o = std::make_shared<CostOptions>();
  auto* cmd = app.add_subcommand("cost", "Owned hardware against cloud API prices: monthly volume and break-even");
  auto* model = cmd->add_option("model", o->model, "GGUF file whose speed to use");
  auto* shape = cmd->add_option("--shape", o->shape, "Use a catalog shape's planned speed: " + model::shape_names());
  model->excludes(shape);
  cmd->add_option("--type", o->type, "File type of the --shape model")->capture_default_str();
  cmd->add_option("--tok-s", o->owned.tok_s, "Decode tok/s of the hardware (instead of planning a model)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--hardware", o->hardware, "'this' or one of: " + plan::hardware_names())->capture_default_str();
  cmd->add_option("--gpus", o->gpus, "GPUs to split the layers over")->check(CLI::Range(0, 64));
  cmd->add_option("--parallel", o->parallel, "Sequences decoded together")->check(CLI::Range(1, 256))
      ->capture_default_str();
  cmd->add_option("--ctx", o->ctx, "Context per sequence")->check(CLI::Range(int64_t{1}, int64_t{1} << 24))
      ->capture_default_str();
  cmd->add_option("--price", o->owned.price, "Hardware price, USD")->check(CLI::PositiveNumber);
  cmd->add_option("--power-w", o->owned.power_watts, "Power draw at load, W")->check(CLI::NonNegativeNumber);
  o->owned.electricity_per_kwh = 0.30;
  cmd->add_option("--electricity", o->owned.electricity_per_kwh, "Electricity price, USD per kWh")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--utilization", o->owned.utilization, "Share of the month spent generating")
      ->check(CLI::Range(0.001, 1.0))
      ->capture_default_str();
  cmd->add_option("--amortization-months", o->owned.amortization_months, "Months to write the hardware off over")
      ->check(CLI::Range(1.0, 240.0))
      ->capture_default_str();
  cmd->add_option("--input-ratio", o->owned.input_per_output, "Input tokens per output token")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--prices", o->prices, "Cloud price file (JSON; see --write-prices)");
  cmd->add_option("--write-prices", o->write_prices, "Write the default cloud prices to this file and exit");
  cmd->add_option("--threads,-t", o->threads, "CPU threads (default: all cores)")->check(CLI::NonNegativeNumber);
  cmd->add_flag("--json", o->json, "Print one JSON object instead of text");
  cmd->callback([o, &handler] { handler = [o] { return run_cost(*o); }; });
}

}  // namespace hearth::cli
