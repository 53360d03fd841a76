#include "model/step_phases.h"

#include "model/model.h"

namespace hearth::model {

const char* step_phase_name(StepPhase p) {
  switch (p) {
    case StepPhase::kQkv: return "qkv";
    case StepPhase::kAttention: return "attention";
    case StepPhase::kAttnOut: return "attn_out";
    case StepPhase::kGateUp: return "gate_up";
    case StepPhase::kDown: return "down";
    case StepPhase::kOutput: return "output";
  }
  return "?";
}

double StepPhases::rest_seconds() const {
  double sum = 0;
  for (double s : seconds) sum += s;
  return step_seconds - sum;
}

std::array<uint64_t, kStepPhases> step_phase_weight_bytes(const Model& model) {
  const auto bytes = [](const compute::WeightView& w) { return static_cast<uint64_t>(w.n_out) * w.row_bytes; };
  std::array<uint64_t, kStepPhases> out{};
  const auto add = [&out](StepPhase p, uint64_t b) { out[static_cast<size_t>(p)] += b; };
  const Weights& w = model.weights();
  for (const LayerWeights& L : w.layers) {
    add(StepPhase::kQkv, bytes(L.wq) + bytes(L.wk) + bytes(L.wv));
    add(StepPhase::kAttnOut, bytes(L.wo));
    add(StepPhase::kGateUp, bytes(L.gate) + bytes(L.up));
    add(StepPhase::kDown, bytes(L.down));
  }
  add(StepPhase::kOutput, bytes(w.output));
  return out;
}

}  // namespace hearth::model
