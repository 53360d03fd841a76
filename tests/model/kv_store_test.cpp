#include <gtest/gtest.h>

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

TEST(KvStore, Q8_0NeedsWholeBlocksPerHead) {
  const auto m = Model::load(test::repo_path("models/stories260K.gguf"));  // head_dim 8
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
