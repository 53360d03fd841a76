#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "core/error.h"
#include "model/kv_store.h"
#include "model/model.h"
#include "test_data.h"

namespace hearth::model {
namespace {

TEST(KvStore, AllocationMatchesTheSizingFormula) {
  const auto m = Model::load(test::data_path("tiny/tiny-llama-Q8_0.gguf"));
  const HParams& hp = m->hparams();
  for (TensorType t : {TensorType::F16, TensorType::Q8_0, TensorType::F32}) {
    const KvStore kv(hp, 100, t);
    EXPECT_EQ(kv.bytes(), 100 * KvStore::bytes_per_cell(hp, t)) << tensor_type_name(t);
  }
  // 2 x layers x kv_heads x head_dim x bytes: 2 x 2 x 2 x 64 x 2 for f16.
  EXPECT_EQ(KvStore::bytes_per_cell(hp, TensorType::F16), 2u * 2 * 2 * 64 * 2);
  // Q8_0: 34 bytes per 32 values.
  EXPECT_EQ(KvStore::bytes_per_cell(hp, TensorType::Q8_0), 2u * 2 * 2 * 64 / 32 * 34);
}

// Head major: within a layer, a KV head's rows of consecutive cells are
// adjacent (attention streams them), and every (layer, K/V, head, cell) row
// has bytes of its own, all inside the store.
TEST(KvStore, AHeadsRowsAreContiguousAndEveryRowHasItsOwnBytes) {
  const auto m = Model::load(test::data_path("tiny/tiny-llama-Q8_0.gguf"));
  const HParams& hp = m->hparams();
  constexpr int64_t kCells = 5;
  for (TensorType t : {TensorType::F16, TensorType::Q8_0, TensorType::F32}) {
    KvStore kv(hp, kCells, t);
    EXPECT_EQ(kv.k_head_bytes(), row_bytes(layout_of(t), static_cast<uint64_t>(hp.head_dim)));
    EXPECT_EQ(kv.v_head_bytes(), row_bytes(layout_of(t), static_cast<uint64_t>(hp.head_dim_v)));
    const uint8_t* base = kv.k_head(0, 0, 0);
    std::vector<int> owner(kv.bytes(), 0);
    for (int64_t l = 0; l < hp.n_layer; ++l) {
      for (int64_t h = 0; h < hp.n_head_kv; ++h) {
        for (int64_t c = 0; c < kCells; ++c) {
          if (c > 0) {
            EXPECT_EQ(kv.k_head(l, h, c), kv.k_head(l, h, c - 1) + kv.k_head_bytes());
            EXPECT_EQ(kv.v_head(l, h, c), kv.v_head(l, h, c - 1) + kv.v_head_bytes());
          }
          for (const auto& [row, bytes] : {std::pair{kv.k_head(l, h, c), kv.k_head_bytes()},
                                           std::pair{kv.v_head(l, h, c), kv.v_head_bytes()}}) {
            ASSERT_GE(row, base);
            ASSERT_LE(static_cast<uint64_t>(row - base) + bytes, kv.bytes());
            for (uint64_t i = 0; i < bytes; ++i) ++owner[static_cast<size_t>(row - base) + i];
          }
        }
      }
    }
    for (size_t i = 0; i < owner.size(); ++i) ASSERT_EQ(owner[i], 1) << tensor_type_name(t) << " byte " << i;
  }
}

TEST(KvStore, Q8_0NeedsWholeBlocksPerHead) {
  const auto m = Model::load(test::kStories);  // head_dim 8
  try {
    KvStore kv(m->hparams(), 16, TensorType::Q8_0);
    FAIL() << "expected an error";
  } catch (const UnsupportedError& e) {
    EXPECT_NE(std::string(e.what()).find("use f16"), std::string::npos) << e.what();
  }
  EXPECT_THROW(KvStore(m->hparams(), 16, TensorType::Q4_0), UnsupportedError);
}

}  // namespace
}  // namespace hearth::model
