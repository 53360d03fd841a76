// hearth plan MODEL | --shape NAME [--type T] [--ctx N] [--kv-type T] [--parallel N]
//             [--hardware NAME|this] [--gpus N] [--finetune full|lora|qlora [--rank R]] [--json]
//
// Will this model run on this (or that) hardware: memory per device from the
// engine's own sizing formulas (model/memory.h), whether it fits, the largest
// context that does, expected decode and prefill speed, and, when it fits,
// the `hearth serve` command and client snippets for it (plan/estimate.h).
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "cli/commands.h"
#include "model/catalog.h"
#include "model/quant_recipe.h"
#include "plan/hardware.h"
#include "plan/queries.h"
#include "plan/report.h"
#include "plan/report_json.h"
#include "server/config.h"

namespace hearth::cli {

namespace {

struct PlanOptions {
  plan::PlanQuery query;
  int threads = 0;
  bool json = false;
};

int run_plan(PlanOptions o) {
  const server::ServerConfig defaults;
  o.query.host = defaults.host;
  o.query.port = defaults.port;
  o.query.request.threads = o.threads;
  plan::ProbeOptions probe;
  probe.threads = o.threads;
  const plan::PlanAnswer a = plan::answer_plan(
      o.query, [&probe](std::string_view name, int gpus) { return plan::resolve_hardware(name, gpus, probe); });
  if (o.json) {
    std::printf("%s\n", plan::plan_answer_json(a).dump(2).c_str());
    return 0;
  }
  std::printf("%s", plan::plan_table(a.plan).c_str());
  if (a.plan.fits) {
    std::printf("\nserve it:\n  %s%s\n", a.snippets.serve.c_str(),
                a.from_shape ? "   (the path of your GGUF file of this model)" : "");
    std::printf("\ncurl:\n%s\n\nOpenAI Python:\n%s\n\nOpenAI JS:\n%s\n", a.snippets.curl.c_str(),
                a.snippets.python.c_str(), a.snippets.javascript.c_str());
  }
  if (a.finetune) std::printf("\n%s", plan::finetune_table(*a.finetune).c_str());
  return 0;
}

}  // namespace

void register_plan(CLI::App& app, Handler& handler) {
  auto o = std::make_shared<PlanOptions>();
  auto* cmd = app.add_subcommand("plan", "Will a model fit this (or other) hardware, and how fast will it run");
  plan::PlanQuery& q = o->query;
  auto* model = cmd->add_option("model", q.model.model_path, "GGUF file");
  auto* shape = cmd->add_option("--shape", q.model.shape, "Plan for a catalog shape: " + model::shape_names());
  model->excludes(shape);
  cmd->add_option("--type", q.model.type,
                  "File type of the --shape model (default Q4_K_M): " + model::file_type_names());
  cmd->add_option("--ctx,-c", q.request.ctx, "Context per sequence (default: the model's trained length)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 24));
  cmd->add_option("--kv-type", q.kv_type, "KV cache type: f16, q8_0, q4_0 or f32")->capture_default_str();
  cmd->add_option("--parallel", q.request.parallel, "Sequences decoded together")->check(CLI::Range(1, 256))
      ->capture_default_str();
  cmd->add_option("--batch", q.request.batch, "Prompt tokens per forward step")
      ->check(CLI::Range(int64_t{1}, int64_t{8192}))
      ->capture_default_str();
  cmd->add_option("--hardware", q.hardware, "'this' (probed) or one of: " + plan::hardware_names())
      ->capture_default_str();
  cmd->add_option("--gpus", q.gpus, "GPUs to split the layers over")->check(CLI::Range(0, 64));
  cmd->add_option("--threads,-t", o->threads, "CPU threads (default: all cores)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--finetune", q.finetune, "Also estimate training memory: full, lora or qlora");
  cmd->add_option("--rank", q.rank, "LoRA rank")->check(CLI::Range(1, 4096))->capture_default_str();
  cmd->add_option("--finetune-seq", q.finetune_seq, "Training sequence length")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20))
      ->capture_default_str();
  cmd->add_flag("--json", o->json, "Print one JSON object instead of a table");
  cmd->callback([o, &handler] { handler = [o] { return run_plan(*o); }; });
}

}  // namespace hearth::cli
