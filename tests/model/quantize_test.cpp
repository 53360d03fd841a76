// The quantization driver and imatrix collection through the library API
// (the CLI tests in tests/cli compare every fixture; these keep the library
// path covered in the model suite, which also runs under the sanitizers).
#include <gtest/gtest.h>

#include <filesystem>

#include "core/error.h"
#include "core/thread_pool.h"
#include "gguf/file.h"
#include "model/imatrix_collect.h"
#include "model/model.h"
#include "model/quantize.h"
#include "test_data.h"

namespace hearth::model {
namespace {

namespace fs = std::filesystem;

TEST(Quantize, TinyLlamaMatchesTheReferenceRecipeAndSize) {
  const gguf::File src = gguf::File::open(test::data_path("tiny/tiny-llama-F32.gguf"));
  const fs::path dir = test::temp_dir("hearth-quantize-lib");
  for (const char* type : {"Q4_K_M", "IQ4_XS", "Q2_K"}) {
    const gguf::File ref = gguf::File::open(test::data_path(std::string("tiny/tiny-llama-") + type + ".gguf"));
    QuantizeOptions o;
    o.type = file_type_or_throw(type);
    o.n_threads = 2;
    const QuantizePlan plan = plan_quantization(src, o);
    EXPECT_EQ(plan.output_size(), ref.file_size()) << type;
    write_quantized(src, plan, dir / "out.gguf", o);
    const gguf::File out = gguf::File::open(dir / "out.gguf");
    ASSERT_EQ(out.tensors().size(), ref.tensors().size());
    for (size_t i = 0; i < ref.tensors().size(); ++i) {
      EXPECT_EQ(out.tensors()[i].name, ref.tensors()[i].name);
      EXPECT_EQ(out.tensors()[i].type, ref.tensors()[i].type) << type << " " << ref.tensors()[i].name;
    }
  }
  fs::remove_all(dir);
}

TEST(Quantize, RequantizingNeedsConsent) {
  const gguf::File q = gguf::File::open(test::data_path("tiny/tiny-llama-Q4_0.gguf"));
  QuantizeOptions o;
  o.type = FileType::Q8_0;
  EXPECT_THROW(plan_quantization(q, o), Error);
  o.allow_requantize = true;
  EXPECT_EQ(plan_quantization(q, o).tensors.front().to, TensorType::F32);  // output_norm stays
}

TEST(Quantize, CollectedImatrixFeedsTheQuantizer) {
  const auto m = Model::load(test::kStories);
  ThreadPool pool(2);
  std::vector<int32_t> tokens;
  for (int i = 0; i < 24; ++i) tokens.push_back(1 + (i * 37) % 500);
  const Imatrix im = collect_imatrix(*m, tokens, 8, 0, pool);
  EXPECT_EQ(im.chunk_count, 3u);
  ASSERT_EQ(im.entries.size(), 36u);
  EXPECT_EQ(im.find("blk.2.ffn_down.weight")->n_per_row, 172);
  EXPECT_EQ(im.find("output.weight")->counts[0], 24.0);
  EXPECT_THROW(collect_imatrix(*m, std::span(tokens).first(7), 8, 0, pool), Error);

  const fs::path dir = test::temp_dir("hearth-quantize-lib");
  im.save(dir / "im.gguf");
  const Imatrix back = Imatrix::load(dir / "im.gguf");
  // Stored as F32: the sums read back to float precision.
  const std::vector<float> a = back.find("blk.0.attn_q.weight")->importance();
  const std::vector<float> b = im.find("blk.0.attn_q.weight")->importance();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-6 * b[i]) << i;
  QuantizeOptions o;
  o.type = FileType::Q4_0;
  o.imatrix = &back;
  const QuantizePlan plan = plan_quantization(m->file(), o);
  write_quantized(m->file(), plan, dir / "q.gguf", o);
  // With an imatrix the reference gives the first n/8 ffn_down Q4_1 (here: none, 5/8 = 0) and keeps the rest.
  EXPECT_TRUE(plan.tensors[3].uses_imatrix) << plan.tensors[3].name;
  EXPECT_EQ(gguf::File::open(dir / "q.gguf").get_int("quantize.imatrix.entries_count"), 36);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace hearth::model
