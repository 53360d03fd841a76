// make_plan: the parts add up, the largest context is the boundary of
// fitting, layers split over GPUs, the speed formulas are the stated ones,
// and the fine-tuning formula.
#include <gtest/gtest.h>

#include "core/error.h"
#include "model/catalog.h"
#include "model/footprint.h"
#include "model/memory.h"
#include "plan/estimate.h"
#include "plan/hardware.h"

namespace hearth::plan {
namespace {

model::ModelDims shape(const char* name, model::FileType t = model::FileType::Q4_K_M) {
  return model::dims_of(model::shape_or_throw(name), t);
}

TEST(Plan, PartsAddUpToTheEngineFormulas) {
  const model::ModelDims m = shape("llama3.2-1b");
  PlanRequest r;
  r.ctx = 4096;
  r.threads = 2;
  const Plan p = make_plan(m, catalog_hardware("ddr5-desktop"), r);
  EXPECT_EQ(p.weights, m.tensor_bytes());
  EXPECT_EQ(p.kv, model::kv_store_bytes(m.hp, 4096, TensorType::F16));
  EXPECT_EQ(p.buffers, model::forward_scratch_bytes(m, 512, 4095, 1, 2).total());
  EXPECT_EQ(p.overhead, model::runtime_overhead_bytes(m));
  EXPECT_EQ(p.total(), p.weights + p.kv + p.buffers + p.overhead);
  EXPECT_TRUE(p.fits);
  EXPECT_EQ(p.max_context, m.hp.n_ctx_train);  // 1B on 96 GB: the whole trained context
}

TEST(Plan, LargestContextIsTheEdgeOfFitting) {
  // Llama 3.1 8B at Q8_0 on a 12 GB RTX 3060: the weights fit, 128K of KV does not.
  const model::ModelDims m = shape("llama3.1-8b", model::FileType::Q8_0);
  const Hardware hw = catalog_hardware("rtx3060");
  PlanRequest r;
  r.ctx = 8192;
  const Plan p = make_plan(m, hw, r);
  ASSERT_GT(p.max_context, 0);
  ASSERT_LT(p.max_context, m.hp.n_ctx_train);
  EXPECT_EQ(p.max_context % 256, 0);
  r.ctx = p.max_context;
  EXPECT_TRUE(make_plan(m, hw, r).fits);
  r.ctx = p.max_context + 256;
  EXPECT_FALSE(make_plan(m, hw, r).fits);
  // 70B at Q4_K_M cannot fit 12 GB at all.
  EXPECT_EQ(make_plan(shape("llama3.1-70b"), hw, r).max_context, 0);
  EXPECT_FALSE(make_plan(shape("llama3.1-70b"), hw, r).fits);
}

TEST(Plan, LayersSplitOverGpus) {
  const model::ModelDims m = shape("llama3.1-70b");
  PlanRequest r;
  r.ctx = 8192;
  const Plan one = make_plan(m, catalog_hardware("rtx4090", 1), r);
  const Plan four = make_plan(m, catalog_hardware("rtx4090", 4), r);
  EXPECT_FALSE(one.fits);
  EXPECT_TRUE(four.fits);
  ASSERT_EQ(four.devices.size(), 4u);
  int64_t layers = 0;
  uint64_t weights = 0;
  for (const DevicePlan& d : four.devices) {
    EXPECT_EQ(d.first_layer, layers);
    EXPECT_EQ(d.n_layers, 20);
    layers += d.n_layers;
    weights += d.weights;
  }
  EXPECT_EQ(layers, 80);
  EXPECT_EQ(weights, m.tensor_bytes());
  EXPECT_EQ(four.weights, one.weights);
}

TEST(Plan, SpeedFollowsTheStatedFormulas) {
  const model::ModelDims m = shape("qwen2.5-0.5b");
  const Hardware hw = catalog_hardware("h100");
  PlanRequest r;
  r.ctx = 4096;
  const Plan p = make_plan(m, hw, r);
  const double bytes = model::decode_traffic(m, kShortChatContext, TensorType::F16).total();
  EXPECT_NEAR(p.decode_tok_s, 3350e9 * 0.75 / bytes, 1e-6 * p.decode_tok_s);
  EXPECT_LT(p.decode_tok_s_full, p.decode_tok_s);  // more KV to read
  EXPECT_GT(p.prefill_tok_s, p.decode_tok_s);
  // Q8_0 KV reads fewer bytes than F16.
  r.kv_type = TensorType::Q8_0;
  EXPECT_GT(make_plan(m, hw, r).decode_tok_s_full, p.decode_tok_s_full);
  // Several sequences share each weight read.
  r.kv_type = TensorType::F16;
  r.parallel = 8;
  const Plan many = make_plan(m, hw, r);
  EXPECT_GT(many.decode_tok_s_total, 4 * p.decode_tok_s);
}

TEST(Plan, BadRequestsAreRejected) {
  const model::ModelDims m = shape("qwen2.5-0.5b");
  PlanRequest r;
  r.parallel = 0;
  EXPECT_THROW(make_plan(m, catalog_hardware("h100"), r), Error);
  Hardware empty;
  EXPECT_THROW(make_plan(m, empty, PlanRequest{}), Error);
}

TEST(Finetune, FollowsTheStatedFormula) {
  const model::ModelDims m = shape("llama3.1-8b", model::FileType::F16);
  const FinetuneEstimate full = estimate_finetune(m, FinetuneMethod::Full, 16, 2048);
  EXPECT_EQ(full.weights + full.gradients + full.optimizer, 16 * m.params());
  const FinetuneEstimate lora = estimate_finetune(m, FinetuneMethod::Lora, 16, 2048);
  const FinetuneEstimate qlora = estimate_finetune(m, FinetuneMethod::Qlora, 16, 2048);
  // Rank 16 on every layer matrix of Llama 3.1 8B: 16 x sum(n_in + n_out) = 41.9M.
  EXPECT_EQ(lora.trainable_params, 41943040u);
  EXPECT_LT(qlora.total(), lora.total());
  EXPECT_LT(lora.total(), full.total());
  EXPECT_EQ(full.activations, lora.activations);
  EXPECT_THROW(finetune_method_or_throw("dpo"), Error);
  EXPECT_THROW(estimate_finetune(m, FinetuneMethod::Lora, 0, 2048), Error);
}

}  // namespace
}  // namespace hearth::plan
