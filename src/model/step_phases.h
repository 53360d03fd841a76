// Where a decode step's time goes: the forward pass's phases timed on the
// calling thread, for one-token batches only (a prompt's batches are not
// counted). Off unless a Forward is given a StepPhases
// (Forward::set_step_phases); `hearth bench --profile` prints them.
//
// Each matrix phase is one parallel loop over its weights (a group for
// q/k/v and gate/up), so its seconds against the bytes it reads give the
// GB/s that loop streamed, sync and activation quantizing included;
// attention reads the KV cache; the rest of a step (norms, residual adds,
// the embedding row) is what the step took beyond its phases.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>

namespace hearth::model {

class Model;

enum class StepPhase : int { kQkv, kAttention, kAttnOut, kGateUp, kDown, kOutput };
inline constexpr int kStepPhases = 6;

// "qkv", "attention", "attn_out", "gate_up", "down", "output".
const char* step_phase_name(StepPhase p);

struct StepPhases {
  std::array<double, kStepPhases> seconds{};  // per phase, summed over the steps
  double step_seconds = 0;                    // whole steps (Forward::run), summed
  int64_t steps = 0;

  double& operator[](StepPhase p) { return seconds[static_cast<size_t>(p)]; }
  double operator[](StepPhase p) const { return seconds[static_cast<size_t>(p)]; }
  // The step time outside the phases.
  double rest_seconds() const;
};

// The weight bytes each phase reads in one step, all layers (attention's:
// none; its KV bytes depend on the context, model::decode_traffic).
std::array<uint64_t, kStepPhases> step_phase_weight_bytes(const Model& model);

// Adds the seconds from its construction to its destruction to `slot`;
// nothing when slot is null.
class PhaseTimer {
 public:
  explicit PhaseTimer(double* slot) : slot_(slot) {
    if (slot_) t0_ = std::chrono::steady_clock::now();
  }
  ~PhaseTimer() {
    if (slot_) *slot_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  }
  PhaseTimer(const PhaseTimer&) = delete;
  PhaseTimer& operator=(const PhaseTimer&) = delete;

 private:
  double* slot_;
  std::chrono::steady_clock::time_point t0_;
};

}  // namespace hearth::model
