// model::StepPhases: a Forward given one times its one-token steps phase by
// phase, and the weight bytes each phase reads add up to the file's matrices.
#include "model/step_phases.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/session.h"
#include "model/model.h"
#include "test_data.h"

namespace hearth {
namespace {

// The GGUF bytes of the tensors whose names end with one of `suffixes`
// (blk.N.<suffix>).
uint64_t file_bytes(const model::Model& m, std::initializer_list<const char*> suffixes) {
  uint64_t sum = 0;
  for (const auto& t : m.file().tensors()) {
    for (const char* s : suffixes) {
      const std::string suffix(s);
      if (t.name.size() >= suffix.size() && t.name.compare(t.name.size() - suffix.size(), suffix.size(), suffix) == 0) {
        sum += t.n_bytes;
      }
    }
  }
  return sum;
}

TEST(StepPhases, WeightBytesAreTheFilesMatrices) {
  auto m = model::Model::load(test::kStories);
  const auto bytes = model::step_phase_weight_bytes(*m);
  const auto at = [&](model::StepPhase p) { return bytes[static_cast<size_t>(p)]; };
  EXPECT_EQ(at(model::StepPhase::kQkv), file_bytes(*m, {"attn_q.weight", "attn_k.weight", "attn_v.weight"}));
  EXPECT_EQ(at(model::StepPhase::kAttention), 0u);
  EXPECT_EQ(at(model::StepPhase::kAttnOut), file_bytes(*m, {"attn_output.weight"}));
  EXPECT_EQ(at(model::StepPhase::kGateUp), file_bytes(*m, {"ffn_gate.weight", "ffn_up.weight"}));
  EXPECT_EQ(at(model::StepPhase::kDown), file_bytes(*m, {"ffn_down.weight"}));
  // The output head: output.weight, or token_embd where the model ties them.
  const bool tied = m->file().find_tensor("output.weight") == nullptr;
  const auto* head = m->file().find_tensor(tied ? "token_embd.weight" : "output.weight");
  ASSERT_NE(head, nullptr);
  EXPECT_EQ(at(model::StepPhase::kOutput), head->n_bytes);
  EXPECT_GT(at(model::StepPhase::kOutput), 0u);
}

TEST(StepPhases, OnlyOneTokenStepsAreTimed) {
  auto m = model::Model::load(test::kStories);
  ThreadPool pool(2);
  engine::Session session(*m, pool, 64);
  model::StepPhases phases;
  session.set_step_phases(&phases);
  const std::vector<int32_t> prompt = {1, 400, 401, 402};
  session.eval(prompt);  // a prompt: not a decode step
  EXPECT_EQ(phases.steps, 0);
  EXPECT_EQ(phases.step_seconds, 0.0);
  for (int32_t tok : {403, 404, 405}) session.eval(std::span<const int32_t>(&tok, 1));
  EXPECT_EQ(phases.steps, 3);
  double sum = 0;
  for (int i = 0; i < model::kStepPhases; ++i) {
    const double s = phases.seconds[static_cast<size_t>(i)];
    EXPECT_GT(s, 0.0) << model::step_phase_name(static_cast<model::StepPhase>(i));
    sum += s;
  }
  // The phases lie inside the steps.
  EXPECT_GT(phases.step_seconds, sum);
  EXPECT_DOUBLE_EQ(phases.rest_seconds(), phases.step_seconds - sum);

  session.set_step_phases(nullptr);
  const int32_t tok = 406;
  session.eval(std::span<const int32_t>(&tok, 1));
  EXPECT_EQ(phases.steps, 3);
}

TEST(StepPhases, Names) {
  std::vector<std::string> names;
  for (int i = 0; i < model::kStepPhases; ++i) names.emplace_back(model::step_phase_name(static_cast<model::StepPhase>(i)));
  EXPECT_EQ(names, (std::vector<std::string>{"qkv", "attention", "attn_out", "gate_up", "down", "output"}));
}

}  // namespace
}  // namespace hearth
