// `hearth imatrix` as a user runs it: the importance it writes for layer 0's
// attn_q (whose input is rms_norm(token embedding) * attn_norm, computable
// from the file alone) must equal the mean squared input recomputed here from
// the tokens `hearth tokenize` gives; the file must load in `hearth quantize
// --imatrix`, which records it in the output.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gguf/file.h"
#include "model/imatrix.h"
#include "quant/type_traits.h"
#include "test_data.h"

namespace hearth {
namespace {

namespace fs = std::filesystem;

std::vector<float> tensor_f32(const gguf::File& f, const std::string& name) {
  const gguf::Tensor* t = f.find_tensor(name);
  std::vector<float> out(t->n_elements);
  quant::dequantize(t->type, t->data, out.data(), static_cast<int64_t>(t->n_elements));
  return out;
}

TEST(ImatrixCli, Layer0InputsMatchARecomputationAndQuantizeUsesIt) {
  const fs::path dir = test::temp_dir("hearth-imatrix");
  const fs::path model = test::kStories;
  const fs::path text = dir / "calib.txt";
  std::ofstream(text) << test::read_text(test::data_path("logits/sp2.txt")) << " "
                      << test::read_text(test::data_path("logits/sp3.txt"));
  constexpr int kChunk = 6;
  const auto r = test::run_hearth({"imatrix", model.string(), "--text", text.string(), "-o", (dir / "im.gguf").string(),
                                   "--chunk", std::to_string(kChunk), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto summary = nlohmann::json::parse(r.out);
  EXPECT_EQ(summary["entries"], 5 * 7 + 1);  // 7 matrices per layer + the output projection

  // The chunks as hearth imatrix lays them out: BOS + 5 text tokens each.
  const auto tok = test::run_hearth({"tokenize", model.string(), "--text-file", text.string(), "--no-bos", "--json"});
  ASSERT_EQ(tok.exit_code, 0) << tok.err;
  const std::vector<int> ids = nlohmann::json::parse(tok.out)["tokens"];
  const size_t n_chunks = ids.size() / (kChunk - 1);
  ASSERT_GE(n_chunks, 2u);
  EXPECT_EQ(summary["chunks"], n_chunks);
  std::vector<int> tokens;
  for (size_t c = 0; c < n_chunks; ++c) {
    tokens.push_back(1);  // BOS
    tokens.insert(tokens.end(), ids.begin() + static_cast<long>(c * (kChunk - 1)), ids.begin() + static_cast<long>((c + 1) * (kChunk - 1)));
  }

  const gguf::File f = gguf::File::open(model);
  const std::vector<float> embd = tensor_f32(f, "token_embd.weight");
  const std::vector<float> norm = tensor_f32(f, "blk.0.attn_norm.weight");
  const size_t E = norm.size();
  std::vector<double> expected(E, 0.0);
  for (const int t : tokens) {
    const float* x = embd.data() + static_cast<size_t>(t) * E;
    double ss = 0;
    for (size_t i = 0; i < E; ++i) ss += double(x[i]) * x[i];
    const double inv = 1.0 / std::sqrt(ss / static_cast<double>(E) + 1e-5);
    for (size_t i = 0; i < E; ++i) expected[i] += std::pow(x[i] * inv * norm[i], 2);
  }
  const model::Imatrix im = model::Imatrix::load(dir / "im.gguf");
  const model::ImatrixEntry* e = im.find("blk.0.attn_q.weight");
  ASSERT_NE(e, nullptr);
  ASSERT_EQ(e->n_per_row, static_cast<int64_t>(E));
  EXPECT_EQ(e->counts[0], static_cast<double>(tokens.size()));
  const std::vector<float> got = e->importance();
  for (size_t i = 0; i < E; ++i) {
    // float activations summed in double: agreement to ~1e-5 relative
    EXPECT_NEAR(got[i], expected[i] / static_cast<double>(tokens.size()), 1e-4 * expected[i] / tokens.size() + 1e-9) << i;
  }
  EXPECT_EQ(im.find("blk.4.ffn_down.weight")->n_per_row, 172);

  const auto q = test::run_hearth({"quantize", model.string(), (dir / "q.gguf").string(), "Q4_0", "--imatrix",
                                   (dir / "im.gguf").string()});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  const gguf::File out = gguf::File::open(dir / "q.gguf");
  EXPECT_EQ(out.get_int("quantize.imatrix.entries_count"), 36);
  EXPECT_EQ(out.get_string("quantize.imatrix.dataset"), text.string());
  fs::remove_all(dir);
}

TEST(ImatrixCli, TooLittleTextIsAClearError) {
  const fs::path dir = test::temp_dir("hearth-imatrix");
  const auto r = test::run_hearth({"imatrix", test::kStories, "--text",
                                   test::data_path("logits/sp1.txt").string(), "-o", (dir / "im.gguf").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("fewer than one chunk of 512"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::is_empty(dir));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace hearth
