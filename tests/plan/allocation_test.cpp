// The sizing formulas (model/memory.h) against what the engine really
// allocates: KvStore::allocated_bytes() and Forward::scratch_bytes() (vector
// capacities) after a forward step, for every tiny fixture and for the
// Llama-3.2-1B and Qwen2.5-0.5B shapes at contexts 512, 4096 and 32768.
//
// Bound: the 5% or 32 MiB, whichever is larger, on the total
// (weights + KV + scratch); the parts are also checked one by one within 5%
// (or 1 MiB for the small scratch buffers), tighter than the total.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>

#include "core/thread_pool.h"
#include "model/catalog.h"
#include "model/forward.h"
#include "model/kv_store.h"
#include "model/memory.h"
#include "model/model.h"
#include "model/synthetic.h"
#include "test_data.h"

namespace hearth::model {
namespace {

constexpr double MiB = 1048576.0;

// Under the sanitizers (CI's second stage) the steps are smaller: the same
// code paths and the same formulas, at a sixth of the time (these two tests
// took 108 and 70 s of the stage's 312 under ASan); the Release stage runs
// the full sizes.
#if defined(HEARTH_SANITIZED)
constexpr int64_t kLongStep = 64;
constexpr int64_t kCatalogContexts[] = {512, 4096};
#else
constexpr int64_t kLongStep = 512;
constexpr int64_t kCatalogContexts[] = {512, 4096, 32768};
#endif

double bound(double expected, double floor_bytes) { return std::max(0.05 * expected, floor_bytes); }

struct Measured {
  uint64_t kv = 0, scratch = 0;
};

// Tags cells 0..n_ctx-1 as one sequence at positions 0..n_ctx-1 (their
// contents stay zero: sizes do not depend on values), then runs one step of
// `n_tokens` tokens ending at the last position, as a prompt chunk filling
// the context would.
Measured run_last_step(const Model& m, int64_t n_ctx, int64_t n_tokens, ThreadPool& pool) {
  KvStore kv(m.hparams(), n_ctx, TensorType::F16);
  for (int64_t c = 0; c < n_ctx; ++c) kv.assign(c, 0, c);
  Forward fwd(m, pool);
  Batch b;
  for (int64_t i = 0; i < n_tokens; ++i) {
    const int64_t pos = n_ctx - n_tokens + i;
    b.add(static_cast<int32_t>(i % m.hparams().n_vocab), pos, 0, pos, i == n_tokens - 1);
  }
  fwd.run(b, kv);
  return {kv.allocated_bytes(), fwd.scratch_bytes()};
}

void expect_matches(const ModelDims& dims, const Model& m, int64_t n_ctx, int64_t n_tokens, ThreadPool& pool) {
  SCOPED_TRACE(dims.label + " ctx " + std::to_string(n_ctx) + " step of " + std::to_string(n_tokens));
  const Measured got = run_last_step(m, n_ctx, n_tokens, pool);
  const auto kv = static_cast<double>(kv_store_bytes(dims.hp, n_ctx, TensorType::F16));
  const auto scratch =
      static_cast<double>(forward_scratch_bytes(dims, n_tokens, n_ctx - 1, 1, pool.size()).total());
  EXPECT_NEAR(static_cast<double>(got.kv), kv, 0.05 * kv);
  EXPECT_NEAR(static_cast<double>(got.scratch), scratch, bound(scratch, 1 * MiB));
  const double weights = static_cast<double>(dims.file_bytes);
  const double est_total = weights + kv + scratch;
  const double got_total = weights + static_cast<double>(got.kv + got.scratch);
  EXPECT_NEAR(got_total, est_total, bound(est_total, 32 * MiB));
  std::printf("  %-28s ctx %6lld: KV %10.2f MiB (estimate %10.2f), scratch %8.2f MiB (estimate %8.2f)\n",
              dims.label.c_str(), static_cast<long long>(n_ctx), static_cast<double>(got.kv) / MiB, kv / MiB,
              static_cast<double>(got.scratch) / MiB, scratch / MiB);
}

TEST(Allocation, EveryTinyFixtureMatchesTheFormulas) {
  ThreadPool pool(2);
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(test::data_path("tiny"))) {
    if (entry.path().extension() != ".gguf") continue;
    const auto m = Model::load(entry.path());
    const ModelDims dims = dims_of(m->file());
    EXPECT_EQ(dims.file_bytes, std::filesystem::file_size(entry.path()));
    // A short prompt, and a full chunk (512 tokens) at the end of the trained context.
    expect_matches(dims, *m, 64, 7, pool);
    expect_matches(dims, *m, m->hparams().n_ctx_train, kLongStep, pool);
    ++n;
  }
  EXPECT_GE(n, 15);
}

TEST(Allocation, CatalogShapesAtThreeContexts) {
  ThreadPool pool(2);
  for (const char* name : {"llama3.2-1b", "qwen2.5-0.5b"}) {
    const ModelShape& shape = shape_or_throw(name);
    const ModelDims dims = dims_of(shape, FileType::Q4_K_M);
    const auto synthetic = SyntheticModel::build(shape, FileType::Q4_K_M);
    // The estimate of the weights is the image the synthetic model maps.
    EXPECT_EQ(dims.file_bytes, synthetic->file_size());
    EXPECT_EQ(dims.hp.n_layer, synthetic->model().hparams().n_layer);
    // A few tokens at the end of each context: every token attends to all
    // cells, so the per-token lists and scores are at their full size.
    for (const int64_t ctx : kCatalogContexts) expect_matches(dims, synthetic->model(), ctx, 4, pool);
  }
}

}  // namespace
}  // namespace hearth::model
