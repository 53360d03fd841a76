// The KV formula against the seed's table for a Llama-3-70B shape:
// 2 x 80 layers x 8 KV heads x 128 x 2 bytes = 327680 B = 0.3125 MiB per
// token at f16; 1.25 GiB at 4K, 10 GiB at 32K, 40 GiB at 128K; about half
// at 8 bits (q8_0 stores 34 bytes per 32 values: 17/32 of f16).
#include <gtest/gtest.h>

#include "model/catalog.h"
#include "model/memory.h"
#include "plan/estimate.h"
#include "plan/hardware.h"

namespace hearth::plan {
namespace {

constexpr uint64_t GiB = uint64_t{1} << 30;

TEST(KvFormula, ReproducesTheSeedTableForLlama3_70B) {
  const model::ModelDims m = model::dims_of(model::shape_or_throw("llama3.1-70b"), model::FileType::Q4_K_M);
  EXPECT_EQ(model::kv_bytes_per_cell(m.hp, TensorType::F16), 327680u);  // 0.3125 MiB
  EXPECT_EQ(model::kv_bytes_per_cell(m.hp, TensorType::F16) * 4096, 1 * GiB + GiB / 4);
  EXPECT_EQ(model::kv_bytes_per_cell(m.hp, TensorType::F16) * 32768, 10 * GiB);
  EXPECT_EQ(model::kv_bytes_per_cell(m.hp, TensorType::F16) * 131072, 40 * GiB);
  // 8-bit: q8_0 is 8.5 bits per value with its scales.
  EXPECT_EQ(model::kv_bytes_per_cell(m.hp, TensorType::Q8_0), 327680u / 64 * 34);
  EXPECT_EQ(model::kv_bytes_per_cell(m.hp, TensorType::Q4_0), 327680u / 64 * 18);
  // The store adds 12 bytes of tags per cell, under 0.004% here.
  EXPECT_EQ(model::kv_store_bytes(m.hp, 32768, TensorType::F16), 10 * GiB + 32768 * 12);
}

TEST(KvFormula, PlanReportsTheSameKvBytes) {
  const model::ModelDims m = model::dims_of(model::shape_or_throw("llama3.1-70b"), model::FileType::Q4_K_M);
  PlanRequest r;
  for (const int64_t ctx : {4096, 32768, 131072}) {
    r.ctx = ctx;
    const Plan p = make_plan(m, catalog_hardware("h200"), r);
    EXPECT_EQ(p.kv, static_cast<uint64_t>(ctx) * (327680 + 12)) << ctx;
  }
  r.ctx = 4096;
  r.parallel = 4;  // four sequences of 4096: four times the cells
  EXPECT_EQ(make_plan(m, catalog_hardware("h200"), r).kv, uint64_t{4} * 4096 * (327680 + 12));
}

TEST(KvFormula, SlidingWindowLayersCanBeCappedAtTheirWindow) {
  // Gemma 2: every other layer slides over 4096 tokens. hearth keeps every
  // cell (the full figure); the windowed figure is what a ring buffer needs.
  const model::ModelDims m = model::dims_of(model::shape_or_throw("gemma2-9b"), model::FileType::Q4_K_M);
  ASSERT_EQ(m.hp.sliding_window, 4096);
  const uint64_t per_layer = model::kv_bytes_per_cell(m.hp, TensorType::F16) / static_cast<uint64_t>(m.hp.n_layer);
  EXPECT_EQ(model::kv_bytes_windowed(m.hp, 8192, TensorType::F16), per_layer * (21 * 8192 + 21 * 4096));
  EXPECT_EQ(model::kv_bytes_windowed(m.hp, 2048, TensorType::F16), per_layer * 42 * 2048);
}

}  // namespace
}  // namespace hearth::plan
