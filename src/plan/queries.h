// The questions `hearth plan`, `fit` and `cost` answer, as data: the CLI
// fills these from its flags, `hearth serve`'s /tools API from a JSON body,
// and both answer with the same functions, then print the same JSON
// (plan/report_json.h), so the command line and the web pages cannot drift.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/memory.h"
#include "model/quant_recipe.h"
#include "plan/cost.h"
#include "plan/estimate.h"
#include "plan/hardware.h"
#include "plan/report.h"

namespace hearth::plan {

// How a hardware name ("this" or a catalog key) and a GPU count become a
// Hardware: the CLI probes on each run (plan::resolve_hardware), the server
// probes this machine once and keeps the result.
using HardwareResolver = std::function<Hardware(std::string_view name, int gpus)>;

// The type a shape is planned at when no type is given.
inline constexpr const char* kDefaultShapeType = "Q4_K_M";

// "f16", "q8_0", "q4_0" or "f32"; throws hearth::Error listing them.
TensorType kv_type_or_throw(const std::string& name);

// A model to plan: a GGUF file, or a catalog shape at a file type (empty:
// kDefaultShapeType). Exactly one of model_path and shape.
struct ModelSpec {
  std::string model_path, shape, type;
};
// Throws hearth::Error when neither or both are given, or a type is given
// with a file; model::shape_or_throw / file_type_or_throw errors for
// unknown names; gguf errors for a bad file.
model::ModelDims model_dims(const ModelSpec& m);

// ---- hearth plan ---------------------------------------------------------------
struct PlanQuery {
  ModelSpec model;
  PlanRequest request;            // ctx 0: the trained length
  std::string kv_type = "f16";
  std::string hardware = "this";
  int gpus = 0;
  std::string finetune;           // "", "full", "lora", "qlora"
  int rank = 16;
  int64_t finetune_seq = 2048;
  std::string host = "127.0.0.1"; // where the serve snippets point
  int port = 4327;
};
struct PlanAnswer {
  Plan plan;
  std::string serve_path;         // the GGUF the serve command names (a shape: the file the user will have)
  bool from_shape = false;
  ServeSnippets snippets;
  std::optional<FinetuneEstimate> finetune;
};
PlanAnswer answer_plan(const PlanQuery& q, const HardwareResolver& hardware);

// ---- hearth fit ----------------------------------------------------------------
// Most bits per weight first: the order in which a type loses quality.
inline constexpr model::FileType kFitTypes[] = {model::FileType::F16,    model::FileType::Q8_0,
                                                model::FileType::Q6_K,   model::FileType::Q5_K_M,
                                                model::FileType::Q4_K_M, model::FileType::Q4_0};
struct FitCandidate {
  std::string_view shape;
  model::FileType type;
  uint64_t file_bytes = 0;
  Plan plan;
};
struct FitAnswer {
  std::string hardware;           // description
  int64_t min_context = 0;
  std::vector<FitCandidate> models;  // larger models first, then more bits per weight
};
// Every catalog shape x kFitTypes that fits `hw` with min(ctx, trained
// length) tokens of context.
FitAnswer answer_fit(const Hardware& hw, int64_t ctx, int threads);

// ---- hearth cost ---------------------------------------------------------------
struct CostQuery {
  ModelSpec model;              // whose planned speed to use, when owned.tok_s is 0
  std::string hardware = "this";
  int gpus = 0, parallel = 8, threads = 0;
  int64_t ctx = 4096;
  OwnedHardware owned;
  std::vector<CloudPrice> prices;  // empty: default_cloud_prices()
};
struct CostAnswer {
  OwnedHardware owned;            // tok_s resolved
  std::vector<CostComparison> comparisons;
};
// Throws hearth::Error without a price, without a model or tok/s, or when
// the model does not fit the hardware at ctx x parallel.
CostAnswer answer_cost(const CostQuery& q, const HardwareResolver& hardware);

}  // namespace hearth::plan
