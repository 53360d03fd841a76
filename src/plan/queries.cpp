#include "plan/queries.h"

#include <algorithm>
#include <utility>

#include "core/error.h"
#include "gguf/file.h"
#include "model/catalog.h"

namespace hearth::plan {

TensorType kv_type_or_throw(const std::string& name) {
  const auto t = tensor_type_from_name(name);
  if (!t || (*t != TensorType::F16 && *t != TensorType::Q8_0 && *t != TensorType::Q4_0 && *t != TensorType::F32)) {
    throw Error("--kv-type " + name + " is not a KV cache type (f16, q8_0, q4_0 or f32)");
  }
  return *t;
}

model::ModelDims model_dims(const ModelSpec& m) {
  if (m.model_path.empty() && m.shape.empty()) throw Error("plan needs a MODEL file or --shape NAME");
  if (!m.model_path.empty() && !m.shape.empty()) throw Error("give a MODEL file or --shape NAME, not both");
  if (!m.model_path.empty()) {
    if (!m.type.empty()) throw Error("--type applies to --shape only (a model file has its own types)");
    return model::dims_of(gguf::File::open(m.model_path));
  }
  const model::ModelShape& shape = model::shape_or_throw(m.shape);
  return model::dims_of(shape, model::file_type_or_throw(m.type.empty() ? kDefaultShapeType : m.type));
}

PlanAnswer answer_plan(const PlanQuery& q, const HardwareResolver& hardware) {
  const model::ModelDims dims = model_dims(q.model);
  PlanRequest req = q.request;
  req.kv_type = kv_type_or_throw(q.kv_type);
  PlanAnswer a{make_plan(dims, hardware(q.hardware, q.gpus), req), {}, q.model.model_path.empty(), {}, std::nullopt};
  const std::string type = q.model.type.empty() ? std::string(kDefaultShapeType) : q.model.type;
  a.serve_path = a.from_shape ? q.model.shape + "-" + type + ".gguf" : q.model.model_path;
  a.snippets = serve_snippets(a.plan, a.serve_path, q.host, q.port);
  if (!q.finetune.empty()) {
    a.finetune = estimate_finetune(dims, finetune_method_or_throw(q.finetune), q.rank, q.finetune_seq);
  }
  return a;
}

FitAnswer answer_fit(const Hardware& hw, int64_t ctx, int threads) {
  FitAnswer a{hw.description, ctx, {}};
  std::vector<std::pair<int, FitCandidate>> ranked;  // type rank: the tie-break of equal sizes
  for (const model::ModelShape& shape : model::shape_catalog()) {
    for (int rank = 0; rank < static_cast<int>(std::size(kFitTypes)); ++rank) {
      const model::ModelDims dims = model::dims_of(shape, kFitTypes[rank]);
      PlanRequest req;
      req.ctx = std::min(ctx, dims.hp.n_ctx_train);
      req.threads = threads;
      Plan p = make_plan(dims, hw, req);
      if (!p.fits) continue;
      ranked.push_back({rank, FitCandidate{shape.name, kFitTypes[rank], dims.file_bytes, std::move(p)}});
    }
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& x, const auto& y) {
    if (x.second.plan.params != y.second.plan.params) return x.second.plan.params > y.second.plan.params;
    return x.first < y.first;
  });
  for (auto& r : ranked) a.models.push_back(std::move(r.second));
  return a;
}

namespace {

// Aggregate decode tok/s of the model on the hardware, from the plan.
double planned_tok_s(const CostQuery& q, const HardwareResolver& hardware) {
  const model::ModelDims dims = model_dims(q.model);
  PlanRequest req;
  req.ctx = std::min(q.ctx, dims.hp.n_ctx_train);
  req.parallel = q.parallel;
  req.threads = q.threads;
  const Plan p = make_plan(dims, hardware(q.hardware, q.gpus), req);
  if (!p.fits) {
    throw Error(dims.label + " does not fit " + p.hardware + " at --ctx " + std::to_string(req.ctx) + " x --parallel " +
                std::to_string(q.parallel) + " (see hearth plan)");
  }
  return p.decode_tok_s_total;
}

}  // namespace

CostAnswer answer_cost(const CostQuery& q, const HardwareResolver& hardware) {
  CostAnswer a{q.owned, {}};
  if (a.owned.price <= 0) throw Error("cost needs --price USD (what the hardware costs)");
  if (a.owned.tok_s <= 0) {
    if (q.model.model_path.empty() && q.model.shape.empty()) {
      throw Error("cost needs a MODEL file, --shape NAME or --tok-s X");
    }
    a.owned.tok_s = planned_tok_s(q, hardware);
  }
  for (const auto& cloud : q.prices.empty() ? default_cloud_prices() : q.prices) {
    a.comparisons.push_back(compare_cost(a.owned, cloud));
  }
  return a;
}

}  // namespace hearth::plan
