// hearth plan MODEL | --shape NAME [--type T] [--ctx N] [--kv-type T] [--parallel N]
//             [--hardware NAME|this] [--gpus N] [--finetune full|lora|qlora [--rank R]] [--json]
//
// Will this model run on this (or that) hardware: memory per device from the
// engine's own sizing formulas (model/memory.h), whether it fits, the largest
// context that does, expected decode and prefill speed, and, when it fits,
// the `hearth serve` command and client snippets for it (plan/estimate.h).
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "cli/commands.h"
#include "core/error.h"
#include "gguf/file.h"
#include "model/catalog.h"
#include "model/memory.h"
#include "model/quant_recipe.h"
#include "plan/estimate.h"
#include "plan/hardware.h"
#include "plan/report.h"
#include "server/config.h"

namespace hearth::cli {

namespace {

// The type a --shape is planned at when --type is not given.
constexpr const char* kDefaultShapeType = "Q4_K_M";

struct PlanOptions {
  std::string model, shape, type, kv_type = "f16", hardware = "this", finetune;
  int64_t ctx = 0, batch = 512, finetune_seq = 2048;
  int parallel = 1, gpus = 0, threads = 0, rank = 16;
  bool json = false;
};

model::ModelDims open_dims(const PlanOptions& o) {
  if (o.model.empty() && o.shape.empty()) throw Error("plan needs a MODEL file or --shape NAME");
  if (!o.model.empty()) {
    if (!o.type.empty()) throw Error("--type applies to --shape only (a model file has its own types)");
    return model::dims_of(gguf::File::open(o.model));
  }
  const model::ModelShape& shape = model::shape_or_throw(o.shape);
  return model::dims_of(shape, model::file_type_or_throw(o.type.empty() ? kDefaultShapeType : o.type));
}

TensorType kv_type_or_throw(const std::string& name) {
  const auto t = tensor_type_from_name(name);
  if (!t || (*t != TensorType::F16 && *t != TensorType::Q8_0 && *t != TensorType::Q4_0 && *t != TensorType::F32)) {
    throw Error("--kv-type " + name + " is not a KV cache type (f16, q8_0, q4_0 or f32)");
  }
  return *t;
}

int run_plan(const PlanOptions& o) {
  const model::ModelDims dims = open_dims(o);
  plan::PlanRequest req;
  req.ctx = o.ctx;
  req.kv_type = kv_type_or_throw(o.kv_type);
  req.parallel = o.parallel;
  req.batch = o.batch;
  req.threads = o.threads;
  plan::ProbeOptions probe;
  probe.threads = o.threads;
  const plan::Hardware hw = plan::resolve_hardware(o.hardware, o.gpus, probe);
  const plan::Plan p = plan::make_plan(dims, hw, req);

  const server::ServerConfig defaults;
  // A shape has no file yet: the serve command names the one the user will have.
  const std::string path =
      o.model.empty() ? o.shape + "-" + (o.type.empty() ? std::string(kDefaultShapeType) : o.type) + ".gguf" : o.model;
  const plan::ServeSnippets snip = plan::serve_snippets(p, path, defaults.host, defaults.port);
  std::optional<plan::FinetuneEstimate> ft;
  if (!o.finetune.empty()) {
    ft = plan::estimate_finetune(dims, plan::finetune_method_or_throw(o.finetune), o.rank, o.finetune_seq);
  }

  if (o.json) {
    auto j = plan::plan_json(p);
    if (p.fits) {
      j["serve_command"] = snip.serve;
      j["snippets"] = {{"curl", snip.curl}, {"python", snip.python}, {"javascript", snip.javascript}};
    }
    if (ft) j["finetune"] = plan::finetune_json(*ft);
    std::printf("%s\n", j.dump(2).c_str());
    return 0;
  }
  std::printf("%s", plan::plan_table(p).c_str());
  if (p.fits) {
    std::printf("\nserve it:\n  %s%s\n", snip.serve.c_str(),
                o.model.empty() ? "   (the path of your GGUF file of this model)" : "");
    std::printf("\ncurl:\n%s\n\nOpenAI Python:\n%s\n\nOpenAI JS:\n%s\n", snip.curl.c_str(), snip.python.c_str(),
                snip.javascript.c_str());
  }
  if (ft) std::printf("\n%s", plan::finetune_table(*ft).c_str());
  return 0;
}

}  // namespace

void register_plan(CLI::App& app, Handler& handler) {
  auto o = std::make_shared<PlanOptions>();
  auto* cmd = app.add_subcommand("plan", "Will a model fit this (or other) hardware, and how fast will it run");
  auto* model = cmd->add_option("model", o->model, "GGUF file");
  auto* shape = cmd->add_option("--shape", o->shape, "Plan for a catalog shape: " + model::shape_names());
  model->excludes(shape);
  cmd->add_option("--type", o->type, "File type of the --shape model (default Q4_K_M): " + model::file_type_names());
  cmd->add_option("--ctx,-c", o->ctx, "Context per sequence (default: the model's trained length)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 24));
  cmd->add_option("--kv-type", o->kv_type, "KV cache type: f16, q8_0, q4_0 or f32")->capture_default_str();
  cmd->add_option("--parallel", o->parallel, "Sequences decoded together")->check(CLI::Range(1, 256))
      ->capture_default_str();
  cmd->add_option("--batch", o->batch, "Prompt tokens per forward step")->check(CLI::Range(int64_t{1}, int64_t{8192}))
      ->capture_default_str();
  cmd->add_option("--hardware", o->hardware, "'this' (probed) or one of: " + plan::hardware_names())
      ->capture_default_str();
  cmd->add_option("--gpus", o->gpus, "GPUs to split the layers over")->check(CLI::Range(0, 64));
  cmd->add_option("--threads,-t", o->threads, "CPU threads (default: all cores)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--finetune", o->finetune, "Also estimate training memory: full, lora or qlora");
  cmd->add_option("--rank", o->rank, "LoRA rank")->check(CLI::Range(1, 4096))->capture_default_str();
  cmd->add_option("--finetune-seq", o->finetune_seq, "Training sequence length")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20))
      ->capture_default_str();
  cmd->add_flag("--json", o->json, "Print one JSON object instead of a table");
  cmd->callback([o, &handler] { handler = [o] { return run_plan(*o); }; });
}

}  // namespace hearth::cli
