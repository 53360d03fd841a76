// hearth fit [--hardware NAME|this] [--gpus N] [--ctx N] [--json]
//
// What can I run here: every catalog shape in every common quantization
// that fits the hardware with at least --ctx tokens of context (default
// 4096, or the trained length when shorter), best quality first — larger
// models first, then more bits per weight — with the largest context that
// fits and the expected speed (plan/estimate.h).
#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "model/quant_recipe.h"
#include "plan/hardware.h"
#include "plan/queries.h"
#include "plan/report.h"
#include "plan/report_json.h"

namespace hearth::cli {

namespace {

struct FitOptions {
  std::string hardware = "this";
  int gpus = 0, threads = 0;
  int64_t ctx = 4096;
  bool json = false;
};

int run_fit(const FitOptions& o) {
  plan::ProbeOptions probe;
  probe.threads = o.threads;
  const plan::FitAnswer a = plan::answer_fit(plan::resolve_hardware(o.hardware, o.gpus, probe), o.ctx, o.threads);
  if (o.json) {
    std::printf("%s\n", plan::fit_json(a).dump(2).c_str());
    return 0;
  }
  std::printf("%s: %zu catalog model/type pairs fit with at least %lld tokens of context\n\n", a.hardware.c_str(),
              a.models.size(), static_cast<long long>(o.ctx));
  std::printf("%-16s %-7s %11s %12s %10s %12s\n", "model", "type", "file", "max context", "decode", "prefill");
  for (const plan::FitCandidate& c : a.models) {
    std::printf("%-16s %-7s %11s %12lld %6.1f t/s %8.1f t/s\n", std::string(c.shape).c_str(),
                std::string(model::file_type_name(c.type)).c_str(), plan::format_bytes(c.file_bytes).c_str(),
                static_cast<long long>(c.plan.max_context), c.plan.decode_tok_s, c.plan.prefill_tok_s);
  }
  if (a.models.empty()) std::printf("(none: try --ctx smaller, or plan for other --hardware)\n");
  return 0;
}

}  // namespace

void register_fit(CLI::App& app, Handler& handler) {
  auto o = std::make_shared<FitOptions>();
  auto* cmd = app.add_subcommand("fit", "Which catalog models and quantizations fit this (or other) hardware");
  cmd->add_option("--hardware", o->hardware, "'this' (probed) or one of: " + plan::hardware_names())
      ->capture_default_str();
  cmd->add_option("--gpus", o->gpus, "GPUs to split the layers over")->check(CLI::Range(0, 64));
  cmd->add_option("--ctx,-c", o->ctx, "Context a model must hold to count as fitting")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 24))
      ->capture_default_str();
  cmd->add_option("--threads,-t", o->threads, "CPU threads (default: all cores)")->check(CLI::NonNegativeNumber);
  cmd->add_flag("--json", o->json, "Print one JSON object instead of a table");
  cmd->callback([o, &handler] { handler = [o] { return run_fit(*o); }; });
}

}  // namespace hearth::cli
