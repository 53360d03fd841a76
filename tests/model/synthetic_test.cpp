// Synthetic models: a tiny shape of every architecture is built, loaded
// through the normal Model path and run; the image is exactly the planned
// layout, weights are viewed in place, and the decode traffic adds up.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/thread_pool.h"
#include "engine/session.h"
#include "model/arch/arch.h"
#include "model/catalog.h"
#include "model/footprint.h"
#include "model/synthetic.h"
#include "quant/type_traits.h"

namespace hearth::model {
namespace {

// A catalog-style shape small enough for a unit test (rows of 256, so every
// K-quant applies), with the variant flags of `arch`.
ModelShape tiny_shape(std::string_view arch) {
  ModelShape s{.name = "tiny", .arch = arch, .source = "test", .n_embd = 256, .n_layer = 3,
               .n_head = 4, .n_head_kv = 2, .head_dim = 64, .n_ff = 512, .n_vocab = 300,
               .n_ctx = 128, .tied_embeddings = arch != "llama"};
  s.qkv_bias = arch == "qwen2";
  s.qk_norm = arch == "qwen3" || arch == "gemma3";
  s.post_norms = arch == "gemma2" || arch == "gemma3";
  if (s.post_norms) {
    s.sliding_window = 8;
    s.query_pre_attn_scalar = 64;
  }
  if (arch == "gemma2") s.attn_softcap = 50, s.final_softcap = 30;
  if (arch == "gemma3") s.rope_base_swa = 10000, s.rope_base = 1e6;
  return s;
}

TEST(Synthetic, EveryArchitectureBuildsLoadsAndRuns) {
  ThreadPool pool(2);
  for (const ArchSpec& spec : architectures()) {
    SCOPED_TRACE(std::string(spec.name));
    const ModelShape shape = tiny_shape(spec.name);
    const gguf::Layout layout = synthetic_layout(shape, FileType::Q4_K_M);
    uint64_t last_done = 0;
    const auto sm = SyntheticModel::build(shape, FileType::Q4_K_M, [&](uint64_t done, uint64_t total) {
      EXPECT_GE(done, last_done);
      EXPECT_LE(done, total);
      last_done = done;
    });
    EXPECT_EQ(last_done, layout.file_size() - layout.data_offset());
    EXPECT_EQ(sm->file_size(), layout.file_size());

    const Model& m = sm->model();
    const HParams& hp = m.hparams();
    EXPECT_EQ(hp.arch, shape.arch);
    EXPECT_EQ(hp.n_embd, shape.n_embd);
    EXPECT_EQ(hp.n_layer, shape.n_layer);
    EXPECT_EQ(hp.n_head_kv, shape.n_head_kv);
    EXPECT_EQ(hp.head_dim, shape.head_dim);
    EXPECT_EQ(hp.n_vocab, shape.n_vocab);
    EXPECT_EQ(hp.qkv_bias, shape.qkv_bias);
    EXPECT_EQ(hp.qk_norm, shape.qk_norm);
    EXPECT_EQ(hp.post_norms, shape.post_norms);
    EXPECT_EQ(hp.sliding_window, shape.sliding_window);

    // Every tensor has its planned type and is viewed inside the image.
    const auto bytes = m.file().bytes();
    ASSERT_EQ(m.file().tensors().size(), layout.tensors().size());
    for (size_t i = 0; i < layout.tensors().size(); ++i) {
      const gguf::Tensor& t = m.file().tensors()[i];
      EXPECT_EQ(t.type, layout.tensors()[i].type) << t.name;
      EXPECT_GE(t.data, bytes.data());
      EXPECT_LE(t.data + t.n_bytes, bytes.data() + bytes.size());
    }
    // Views of the image (the matrices in bands are copies: interleave_weights).
    EXPECT_EQ(reinterpret_cast<const uint8_t*>(m.weights().layers[0].attn_norm),
              m.file().find_tensor("blk.0.attn_norm.weight")->data);

    // Near-unit-scale random weights give finite logits.
    engine::Session session(m, pool, 32);
    const std::vector<int32_t> prompt = {1, 7, 42, 299, 5, 0, 12, 13, 14, 15};
    const auto& logits = session.eval(prompt);
    ASSERT_EQ(logits.size(), static_cast<size_t>(shape.n_vocab));
    for (const float x : logits) ASSERT_TRUE(std::isfinite(x));
  }
}

TEST(Synthetic, NormsAreOnesAndBiasesZeros) {
  const auto sm = SyntheticModel::build(tiny_shape("qwen2"), FileType::Q8_0);
  const Weights& w = sm->model().weights();
  for (int64_t i = 0; i < 256; ++i) EXPECT_EQ(w.layers[1].ffn_norm[i], 1.0f);
  for (int64_t i = 0; i < 128; ++i) EXPECT_EQ(w.layers[2].bk[i], 0.0f);
}

TEST(Footprint, DecodeTrafficAddsUp) {
  // Untied llama: every tensor but token_embd, plus one embedding row.
  const auto untied = SyntheticModel::build(tiny_shape("llama"), FileType::Q8_0);
  const gguf::File& f = untied->model().file();
  uint64_t all = 0;
  for (const auto& t : f.tensors()) all += t.n_bytes;
  const gguf::Tensor* embd = f.find_tensor("token_embd.weight");
  const DecodeTraffic a = decode_traffic(untied->model(), 10.0);
  EXPECT_EQ(a.weights, all - embd->n_bytes);
  EXPECT_EQ(a.embd_row, 256u / 32u * 34u);  // one Q8_0 row of 256: 8 blocks of 34 bytes
  // K and V of 2 heads x 64, F16, 10 cells, 3 layers.
  EXPECT_DOUBLE_EQ(a.kv, 10.0 * 2 * (2 * 64) * 2 * 3);
  EXPECT_DOUBLE_EQ(a.total(), static_cast<double>(a.weights + a.embd_row) + a.kv);

  // Tied gemma2: the table is read whole as the output; sliding layers (0, 2)
  // see at most the 8-cell window.
  const auto tied = SyntheticModel::build(tiny_shape("gemma2"), FileType::Q8_0);
  uint64_t all_tied = 0;
  for (const auto& t : tied->model().file().tensors()) all_tied += t.n_bytes;
  const DecodeTraffic b = decode_traffic(tied->model(), 20.0, TensorType::F32);
  EXPECT_EQ(b.weights, all_tied);
  EXPECT_DOUBLE_EQ(b.kv, (8.0 + 20.0 + 8.0) * 2 * (2 * 64) * 4);
}

// Step k sees depth + k + 1 cells: `hearth bench`'s 128 steps after 16
// cells average 80.5; a chunk of 8 from step 40, 60.5; one step, its own.
TEST(Footprint, MeanDecodeContext) {
  EXPECT_DOUBLE_EQ(mean_decode_context(16, 0, 128), 80.5);
  EXPECT_DOUBLE_EQ(mean_decode_context(16, 40, 48), 60.5);
  EXPECT_DOUBLE_EQ(mean_decode_context(2048, 5, 6), 2054.0);
}

// The kernels a loaded view of m's shape and type is in bands of when
// loading asks for k: k where it is a SIMD table (not the scalar reference)
// and m's rows are whole bands of it, else its narrower kernels where they
// are (wide bands: interleave.h), else none (rows).
const quant::InterleavedKernels* expected_bands(const compute::WeightView& m, const quant::InterleavedKernels* k) {
  if (k == nullptr || k == quant::generic_traits(m.type).interleaved) return nullptr;
  return quant::bands_for(k, m.n_out);
}

// Loading puts the matrices whose type has band kernels in bands
// (interleave_weights), token_embd and the output tied to it included, and
// the logits are those of the same model kept in rows (HEARTH_INTERLEAVE=0)
// up to float summation order.
void expect_interleaved_at_load(FileType type) {
  ThreadPool pool(2);
  ::setenv("HEARTH_INTERLEAVE", "0", 1);
  const auto rows = SyntheticModel::build(tiny_shape("qwen2"), type);
  ::unsetenv("HEARTH_INTERLEAVE");
  const auto bands = SyntheticModel::build(tiny_shape("qwen2"), type);
  const Weights& w = bands->model().weights();
  // in bands: a type with SIMD band kernels, whole bands (the vocabulary of 300 is not)
  const auto bands_expected = [](const compute::WeightView& m) {
    return expected_bands(m, quant::traits(m.type).interleaved);
  };
  EXPECT_EQ(w.token_embd.interleaved, bands_expected(w.token_embd));
  EXPECT_EQ(w.output.data, w.token_embd.data);  // tied
  EXPECT_EQ(w.output.interleaved, w.token_embd.interleaved);
  for (const LayerWeights& L : w.layers) {
    for (const compute::WeightView* m : {&L.wq, &L.wk, &L.wv, &L.wo, &L.gate, &L.up, &L.down}) {
      EXPECT_EQ(m->interleaved, bands_expected(*m)) << tensor_type_name(m->type);
    }
  }
  // every kernel table but the scalar one has band kernels for Q4_0 and Q4_K
  EXPECT_EQ(w.layers[0].wq.interleaved != nullptr, std::string_view(quant::kernel_isa()) != "generic");
  for (const LayerWeights& L : rows->model().weights().layers) EXPECT_EQ(L.wq.interleaved, nullptr);

  const std::vector<int32_t> prompt = {1, 7, 42, 299, 5, 0, 12, 13};
  engine::Session a(rows->model(), pool, 32), b(bands->model(), pool, 32);
  const std::vector<float> want = a.eval(prompt);
  const std::vector<float>& got = b.eval(prompt);
  ASSERT_EQ(got.size(), want.size());
  float range = 0;
  for (const float x : want) range = std::max(range, std::fabs(x));
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-3f * range) << "logit " << i;
}

// Q4_0 (the output tied to token_embd, in bands) and Q4_K_M (Q4_K in bands
// beside Q6_K in rows).
TEST(Synthetic, MatricesWithBandKernelsAreInterleavedAtLoad) {
  for (const FileType type : {FileType::Q4_0, FileType::Q4_K_M}) {
    SCOPED_TRACE(file_type_name(type));
    expect_interleaved_at_load(type);
  }
}

// A model loaded on each band kernel variant the CPU runs (model::band_choice,
// as bench/ab_bench.cpp loads two) keeps each matrix in the bands of the
// variant asked for, and gives the default model's logits bit for bit: every
// band kernel gives the reference's bits (tests/quant/interleave_test.cpp).
// Q4_K_M: Q4_K and Q6_K (the output, tied) in bands; Q8_0.
TEST(Synthetic, EveryBandKernelVariantGivesTheSameLogits) {
  ThreadPool pool(2);
  const std::vector<int32_t> prompt = {1, 7, 42, 299, 5, 0, 12, 13};
  for (const FileType type : {FileType::Q4_K_M, FileType::Q8_0}) {
    SCOPED_TRACE(file_type_name(type));
    const auto base = SyntheticModel::build(tiny_shape("qwen2"), type);
    engine::Session s0(base->model(), pool, 32);
    const std::vector<float> want = s0.eval(prompt);
    std::vector<std::string> names;
    for (const TensorType t : {TensorType::Q4_K, TensorType::Q6_K, TensorType::Q8_0}) {
      for (const auto& v : quant::band_kernel_variants(t)) {
        if (std::find(names.begin(), names.end(), v.name) == names.end()) names.emplace_back(v.name);
      }
    }
    for (const std::string& name : names) {
      SCOPED_TRACE(name);
      const BandChoice choice = band_choice(name);
      const auto m = SyntheticModel::build(tiny_shape("qwen2"), type, {}, choice);
      for (const LayerWeights& L : m->model().weights().layers) {
        for (const compute::WeightView* v : {&L.wq, &L.wk, &L.wv, &L.wo, &L.gate, &L.up, &L.down}) {
          EXPECT_EQ(v->interleaved, expected_bands(*v, choice(v->type))) << tensor_type_name(v->type);
        }
      }
      engine::Session s(m->model(), pool, 32);
      const std::vector<float>& got = s.eval(prompt);
      ASSERT_EQ(got.size(), want.size());
      for (size_t i = 0; i < got.size(); ++i) {
        ASSERT_EQ(std::bit_cast<uint32_t>(got[i]), std::bit_cast<uint32_t>(want[i])) << "logit " << i;
      }
    }
  }
}

// A choice of another type's band kernels is refused at load, naming the type.
TEST(Synthetic, BandKernelsOfAnotherTypeAreAnError) {
  const BandChoice q4_0 = [](TensorType) { return quant::generic_traits(TensorType::Q4_0).interleaved; };
  try {
    SyntheticModel::build(tiny_shape("qwen2"), FileType::Q8_0, {}, q4_0);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Q8_0 matrix"), std::string::npos) << e.what();
  }
}

// "rows" keeps every matrix in rows, as HEARTH_INTERLEAVE=0 does.
TEST(Synthetic, BandChoiceRowsKeepsRows) {
  const auto m = SyntheticModel::build(tiny_shape("qwen2"), FileType::Q4_0, {}, band_choice("rows"));
  EXPECT_EQ(m->model().weights().output.interleaved, nullptr);
  for (const LayerWeights& L : m->model().weights().layers) EXPECT_EQ(L.gate.interleaved, nullptr);
}

TEST(Synthetic, RowsFittingNoBlockFallBackToF16) {
  // As the reference quantizer does (stories260K's ffn_down rows of 172 are F16 in its Q4_K_M file).
  ModelShape odd = tiny_shape("llama");
  odd.n_embd = 200;  // neither whole 256-blocks (Q4_K) nor 32-blocks (its fallback Q5_0)
  odd.n_head = 2, odd.n_head_kv = 2, odd.head_dim = 100;
  const gguf::Layout l = synthetic_layout(odd, FileType::Q4_K_M);
  for (const auto& t : l.tensors()) {
    if (t.name == "token_embd.weight" || t.name == "blk.0.attn_q.weight") {
      EXPECT_EQ(t.type, TensorType::F16) << t.name;
    }
  }
}

}  // namespace
}  // namespace hearth::model
