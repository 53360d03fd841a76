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
#include <string_view>

#include "cli/commands.h"
#include "core/error.h"
#include "model/catalog.h"
#include "plan/cost.h"
#include "plan/hardware.h"
#include "plan/queries.h"
#include "plan/report_json.h"

namespace hearth::cli {

namespace {

using Json = nlohmann::ordered_json;

struct CostOptions {
  plan::CostQuery query;
  std::string prices, write_prices;
  bool json = false;
};

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
  if (!o.prices.empty()) o.query.prices = plan::load_cloud_prices(o.prices);
  plan::ProbeOptions probe;
  probe.threads = o.query.threads;
  const plan::CostAnswer a = plan::answer_cost(
      o.query, [&probe](std::string_view name, int gpus) { return plan::resolve_hardware(name, gpus, probe); });
  const Json j = plan::cost_json(a);
  if (o.json) {
    std::printf("%s\n", j.dump(2).c_str());
    return 0;
  }
  const plan::OwnedHardware& w = a.owned;
  std::printf("owned: $%.0f, %.0f W at $%.3f/kWh, %.0f%% utilized, amortized over %.0f months, %.1f tok/s\n", w.price,
              w.power_watts, w.electricity_per_kwh, w.utilization * 100, w.amortization_months, w.tok_s);
  std::printf("(input tokens: %.1f per output token, their prefill counted as free)\n\n", w.input_per_output);
  for (const auto& c : j["comparisons"]) {
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
  plan::CostQuery& q = o->query;
  auto* cmd = app.add_subcommand("cost", "Owned hardware against cloud API prices: monthly volume and break-even");
  auto* model = cmd->add_option("model", q.model.model_path, "GGUF file whose speed to use");
  auto* shape = cmd->add_option("--shape", q.model.shape, "Use a catalog shape's planned speed: " + model::shape_names());
  model->excludes(shape);
  cmd->add_option("--type", q.model.type, "File type of the --shape model (default Q4_K_M)");
  cmd->add_option("--tok-s", q.owned.tok_s, "Decode tok/s of the hardware (instead of planning a model)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--hardware", q.hardware, "'this' or one of: " + plan::hardware_names())->capture_default_str();
  cmd->add_option("--gpus", q.gpus, "GPUs to split the layers over")->check(CLI::Range(0, 64));
  cmd->add_option("--parallel", q.parallel, "Sequences decoded together")->check(CLI::Range(1, 256))
      ->capture_default_str();
  cmd->add_option("--ctx", q.ctx, "Context per sequence")->check(CLI::Range(int64_t{1}, int64_t{1} << 24))
      ->capture_default_str();
  cmd->add_option("--price", q.owned.price, "Hardware price, USD")->check(CLI::PositiveNumber);
  cmd->add_option("--power-w", q.owned.power_watts, "Power draw at load, W")->check(CLI::NonNegativeNumber);
  q.owned.electricity_per_kwh = 0.30;
  cmd->add_option("--electricity", q.owned.electricity_per_kwh, "Electricity price, USD per kWh")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--utilization", q.owned.utilization, "Share of the month spent generating")
      ->check(CLI::Range(0.001, 1.0))
      ->capture_default_str();
  cmd->add_option("--amortization-months", q.owned.amortization_months, "Months to write the hardware off over")
      ->check(CLI::Range(1.0, 240.0))
      ->capture_default_str();
  cmd->add_option("--input-ratio", q.owned.input_per_output, "Input tokens per output token")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--prices", o->prices, "Cloud price file (JSON; see --write-prices)");
  cmd->add_option("--write-prices", o->write_prices, "Write the default cloud prices to this file and exit");
  cmd->add_option("--threads,-t", q.threads, "CPU threads (default: all cores)")->check(CLI::NonNegativeNumber);
  cmd->add_flag("--json", o->json, "Print one JSON object instead of text");
  cmd->callback([o, &handler] { handler = [o] { return run_cost(*o); }; });
}

}  // namespace hearth::cli
