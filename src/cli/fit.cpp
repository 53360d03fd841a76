// hearth fit [--hardware NAME|this] [--gpus N] [--ctx N] [--json]
//
// What can I run here: every catalog shape in every common quantization
// that fits the hardware with at least --ctx tokens of context (default
// 4096, or the trained length when shorter), best quality first — larger
// models first, then more bits per weight — with the largest context that
// fits and the expected speed (plan/estimate.h).
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/error.h"
#include "model/catalog.h"
#include "model/memory.h"
#include "model/quant_recipe.h"
#include "plan/estimate.h"
#include "plan/hardware.h"
#include "plan/report.h"

namespace hearth::cli {

namespace {

using Json = nlohmann::ordered_json;

// Most bits per weight first: the order in which a type loses quality.
constexpr model::FileType kTypes[] = {model::FileType::F16,    model::FileType::Q8_0,   model::FileType::Q6_K,
                                      model::FileType::Q5_K_M, model::FileType::Q4_K_M, model::FileType::Q4_0};

struct FitOptions {
  std::string hardware = "this";
  int gpus = 0, threads = 0;
  int64_t ctx = 4096;
  bool json = false;
};

struct Candidate {
  const model::ModelShape* shape;
  int type_rank;
  model::FileType type;
  uint64_t file_bytes;
  plan::Plan plan;
};

std::vector<Candidate> candidates(const plan::Hardware& hw, const FitOptions& o) {
  std::vector<Candidate> out;
  for (const model::ModelShape& shape : model::shape_catalog()) {
    for (int rank = 0; rank < static_cast<int>(std::size(kTypes)); ++rank) {
      const model::ModelDims dims = model::dims_of(shape, kTypes[rank]);
      plan::PlanRequest req;
      req.ctx = std::min(o.ctx, dims.hp.n_ctx_train);
      req.threads = o.threads;
      plan::Plan p = plan::make_plan(dims, hw, req);
      if (!p.fits) continue;
      out.push_back({&shape, rank, kTypes[rank], dims.file_bytes, std::move(p)});
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const Candidate& a, const Candidate& b) {
    if (a.plan.params != b.plan.params) return a.plan.params > b.plan.params;
    return a.type_rank < b.type_rank;
  });
  return out;
}

int run_fit(const FitOptions& o) {
  plan::ProbeOptions probe;
  probe.threads = o.threads;
  const plan::Hardware hw = plan::resolve_hardware(o.hardware, o.gpus, probe);
  const std::vector<Candidate> fits = candidates(hw, o);
  if (o.json) {
    Json j;
    j["hardware"] = hw.description;
    j["min_context"] = o.ctx;
    Json list = Json::array();
    for (const Candidate& c : fits) {
      list.push_back({{"shape", c.shape->name},
                      {"type", model::file_type_name(c.type)},
                      {"params", c.plan.params},
                      {"file_bytes", c.file_bytes},
                      {"total_bytes", c.plan.total()},
                      {"max_context", c.plan.max_context},
                      {"decode_tok_s", c.plan.decode_tok_s},
                      {"prefill_tok_s", c.plan.prefill_tok_s}});
    }
    j["models"] = list;
    std::printf("%s\n", j.dump(2).c_str());
    return 0;
  }
  std::printf("%s: %zu catalog model/type pairs fit with at least %lld tokens of context\n\n", hw.description.c_str(),
              fits.size(), static_cast<long long>(o.ctx));
  std::printf("%-16s %-7s %11s %12s %10s %12s\n", "model", "type", "file", "max context", "decode", "prefill");
  for (const Candidate& c : fits) {
    std::printf("%-16s %-7s %11s %12lld %6.1f t/s %8.1f t/s\n", std::string(c.shape->name).c_str(),
                std::string(model::file_type_name(c.type)).c_str(), plan::format_bytes(c.file_bytes).c_str(),
                static_cast<long long>(c.plan.max_context), c.plan.decode_tok_s, c.plan.prefill_tok_s);
  }
  if (fits.empty()) std::printf("(none: try --ctx smaller, or plan for other --hardware)\n");
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
