// The shape catalog against the models' published sizes, and the quantization
// recipe against the reference file sizes (tests/../reference-speed figures).
#include <gtest/gtest.h>

#include <cctype>
#include <set>
#include <string>

#include "core/error.h"
#include "model/catalog.h"
#include "model/quant_recipe.h"
#include "model/synthetic.h"

namespace hearth::model {
namespace {

// Parameter counts as the model cards publish them (rounded to 2-3
// significant digits, hence the 1% bound: the rounding alone is up to 0.8%).
TEST(Catalog, ParameterCountsMatchPublishedSizes) {
  const struct {
    const char* name;
    double published;
  } cases[] = {
      {"llama3.2-1b", 1.24e9}, {"llama3.2-3b", 3.21e9},  {"llama3.1-8b", 8.03e9},
      {"llama3.1-70b", 70.6e9}, {"qwen2.5-0.5b", 0.49e9}, {"qwen2.5-7b", 7.61e9},
      {"qwen2.5-72b", 72.7e9},  {"qwen3-0.6b", 0.6e9},    {"qwen3-8b", 8.2e9},
      {"mistral-7b", 7.25e9},   {"gemma2-2b", 2.61e9},
  };
  for (const auto& c : cases) {
    const double n = static_cast<double>(shape_params(shape_or_throw(c.name)));
    EXPECT_NEAR(n / c.published, 1.0, 0.01) << c.name << ": " << n;
  }
}

TEST(Catalog, ExactShapesOfTheReferenceModels) {
  // The two shapes the reference speed table was measured on.
  const ModelShape& l = shape_or_throw("llama3.2-1b");
  EXPECT_EQ(l.arch, "llama");
  EXPECT_EQ(l.n_embd, 2048);
  EXPECT_EQ(l.n_layer, 16);
  EXPECT_EQ(l.n_head, 32);
  EXPECT_EQ(l.n_head_kv, 8);
  EXPECT_EQ(l.head_dim, 64);
  EXPECT_EQ(l.n_ff, 8192);
  EXPECT_EQ(l.n_vocab, 128256);
  EXPECT_TRUE(l.tied_embeddings);
  EXPECT_EQ(l.rope_base, 500000.0);
  EXPECT_EQ(l.rope_scaling.kind, ShapeRopeScaling::Kind::Llama3);
  EXPECT_EQ(l.rope_scaling.factor, 32.0);
  const ModelShape& q = shape_or_throw("qwen2.5-0.5b");
  EXPECT_EQ(q.arch, "qwen2");
  EXPECT_EQ(q.n_embd, 896);
  EXPECT_EQ(q.n_layer, 24);
  EXPECT_EQ(q.n_head, 14);
  EXPECT_EQ(q.n_head_kv, 2);
  EXPECT_EQ(q.n_ff, 4864);
  EXPECT_EQ(q.n_vocab, 151936);
  EXPECT_TRUE(q.qkv_bias);
  EXPECT_TRUE(q.tied_embeddings);
}

TEST(Catalog, EveryShapeIsConsistent) {
  std::set<std::string> names;
  for (const ModelShape& s : shape_catalog()) {
    const std::string name(s.name);
    EXPECT_TRUE(names.insert(name).second) << "duplicate " << name;
    for (const char c : name) EXPECT_FALSE(std::isupper(static_cast<unsigned char>(c))) << name;
    EXPECT_GT(s.n_layer, 0) << name;
    EXPECT_EQ(s.n_head % s.n_head_kv, 0) << name;
    EXPECT_EQ(s.head_dim % 2, 0) << name;
    EXPECT_GT(s.n_ctx, 0) << name;
    EXPECT_FALSE(s.source.empty()) << name;
    // Variant flags agree with the architecture hearth runs the shape as.
    EXPECT_EQ(s.qkv_bias, s.arch == "qwen2") << name;
    EXPECT_EQ(s.qk_norm, s.arch == "qwen3" || s.arch == "gemma3") << name;
    EXPECT_EQ(s.post_norms, s.arch == "gemma2" || s.arch == "gemma3") << name;
    EXPECT_EQ(find_shape(name), &s);
  }
  EXPECT_EQ(names.size(), 26u);
  for (const char* n : {"llama3.2-1b", "llama3.1-70b", "qwen2.5-0.5b", "qwen3-8b", "mistral-7b",
                        "gemma2-9b", "gemma3-4b", "phi3-mini"}) {
    EXPECT_NE(find_shape(n), nullptr) << n;
  }
  EXPECT_EQ(find_shape("Llama3.2-1B"), find_shape("llama3.2-1b"));
}

TEST(Catalog, UnknownNameListsTheKnownOnes) {
  EXPECT_EQ(find_shape("llama9-1t"), nullptr);
  try {
    shape_or_throw("llama9-1t");
    FAIL() << "no throw";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("'llama9-1t'"), std::string::npos) << what;
    for (const ModelShape& s : shape_catalog()) {
      EXPECT_NE(what.find(std::string(s.name)), std::string::npos) << what;
    }
  }
}

TEST(Catalog, TiedShapesHaveNoOutputTensor) {
  for (const ModelShape& s : shape_catalog()) {
    size_t outputs = 0;
    for (const auto& t : shape_tensors(s)) outputs += t.role == TensorRole::Output;
    EXPECT_EQ(outputs, s.tied_embeddings ? 0u : 1u) << s.name;
  }
}

// Reference files (reference-speed.md) carry a tokenizer (~8 MB for the
// Llama 3 vocabulary) that synthetic images leave out; 3% covers that and
// the recipe's approximations.
TEST(QuantRecipe, SyntheticFileSizesMatchTheReference) {
  const struct {
    const char* shape;
    const char* type;
    double mb;
  } cases[] = {
      {"llama3.2-1b", "Q4_K_M", 808}, {"llama3.2-1b", "Q8_0", 1321}, {"llama3.2-1b", "Q4_0", 771},
      {"llama3.2-1b", "F16", 2480},   {"qwen2.5-0.5b", "Q4_K_M", 398},
  };
  for (const auto& c : cases) {
    const gguf::Layout layout = synthetic_layout(shape_or_throw(c.shape), file_type_or_throw(c.type));
    const double mb = static_cast<double>(layout.file_size()) / 1e6;
    EXPECT_NEAR(mb / c.mb, 1.0, 0.03) << c.shape << " " << c.type << ": " << mb << " MB";
  }
}

int count_type(const gguf::Layout& layout, const std::string& suffix, TensorType type) {
  int n = 0;
  for (const auto& t : layout.tensors()) {
    n += t.name.ends_with(suffix) && t.type == type;
  }
  return n;
}

TensorType type_of(const gguf::Layout& layout, const std::string& name) {
  for (const auto& t : layout.tensors()) {
    if (t.name == name) return t.type;
  }
  ADD_FAILURE() << "no tensor " << name;
  return TensorType::F32;
}

TEST(QuantRecipe, Q4KMFollowsTheMixedRecipe) {
  const gguf::Layout l = synthetic_layout(shape_or_throw("llama3.2-1b"), FileType::Q4_K_M);
  // 16 layers: 0, 1 (< n/8), 14, 15 (>= 7n/8), 4, 7, 10, 13 ((i - 2) % 3 == 2).
  EXPECT_EQ(count_type(l, "attn_v.weight", TensorType::Q6_K), 8);
  EXPECT_EQ(count_type(l, "ffn_down.weight", TensorType::Q6_K), 8);
  EXPECT_EQ(type_of(l, "blk.4.attn_v.weight"), TensorType::Q6_K);
  EXPECT_EQ(type_of(l, "blk.13.ffn_down.weight"), TensorType::Q6_K);
  EXPECT_EQ(type_of(l, "blk.5.attn_v.weight"), TensorType::Q4_K);
  EXPECT_EQ(type_of(l, "blk.2.ffn_down.weight"), TensorType::Q4_K);
  EXPECT_EQ(type_of(l, "token_embd.weight"), TensorType::Q6_K);  // tied: it is the output
  EXPECT_EQ(count_type(l, "norm.weight", TensorType::F32), 2 * 16 + 1);
  EXPECT_EQ(count_type(l, "attn_q.weight", TensorType::Q4_K), 16);
}

TEST(QuantRecipe, OutputAndFallbackRules) {
  // Q8_0 keeps the output at Q8_0; Q4_0 raises it to Q6_K; untied token_embd keeps the base.
  const ModelShape& l8 = shape_or_throw("llama3.1-8b");
  const gguf::Layout q8 = synthetic_layout(l8, FileType::Q8_0);
  const gguf::Layout q4 = synthetic_layout(l8, FileType::Q4_0);
  EXPECT_EQ(type_of(q8, "output.weight"), TensorType::Q8_0);
  EXPECT_EQ(type_of(q4, "output.weight"), TensorType::Q6_K);
  EXPECT_EQ(type_of(q4, "token_embd.weight"), TensorType::Q4_0);
  // Qwen2.5-0.5B rows of 896 are not whole 256-blocks: Q4_K -> Q5_0, Q6_K -> Q8_0;
  // ffn_down rows (4864 = 19 x 256) keep the K-quants.
  const gguf::Layout qw = synthetic_layout(shape_or_throw("qwen2.5-0.5b"), FileType::Q4_K_M);
  EXPECT_EQ(count_type(qw, "attn_q.weight", TensorType::Q5_0), 24);
  EXPECT_EQ(type_of(qw, "token_embd.weight"), TensorType::Q8_0);
  EXPECT_EQ(count_type(qw, "ffn_down.weight", TensorType::Q6_K) +
                count_type(qw, "ffn_down.weight", TensorType::Q4_K), 24);
  EXPECT_EQ(count_type(qw, "attn_q.bias", TensorType::F32), 24);
}

// The recipes the tiny fixtures cannot show (they have 2 layers, n_gqa 2 and
// no file for these types), on llama3.1-8b: 32 layers, 32 / 8 heads.
TensorType type_in(FileType ft, const std::string& name, bool has_imatrix = false) {
  const ModelShape& s = shape_or_throw("llama3.1-8b");
  const RecipeModel m{.n_layer = s.n_layer, .n_gqa = s.n_head / s.n_head_kv, .tied = false, .has_imatrix = has_imatrix};
  for (const auto& t : shape_tensors(s)) {
    if (t.name == name) return recipe_tensor_type(ft, t, m);
  }
  ADD_FAILURE() << "no tensor " << name;
  return TensorType::F32;
}

TEST(QuantRecipe, RulesOfTheOtherKQuantRecipes) {
  EXPECT_EQ(type_in(FileType::Q3_K_L, "blk.9.attn_v.weight"), TensorType::Q5_K);
  EXPECT_EQ(type_in(FileType::Q3_K_L, "blk.9.ffn_down.weight"), TensorType::Q5_K);
  EXPECT_EQ(type_in(FileType::Q3_K_L, "blk.9.attn_output.weight"), TensorType::Q5_K);
  EXPECT_EQ(type_in(FileType::Q3_K_L, "blk.9.attn_q.weight"), TensorType::Q3_K);
  EXPECT_EQ(type_in(FileType::Q3_K_M, "blk.1.ffn_down.weight"), TensorType::Q5_K);  // < 32/16
  EXPECT_EQ(type_in(FileType::Q3_K_M, "blk.2.ffn_down.weight"), TensorType::Q4_K);
  EXPECT_EQ(type_in(FileType::Q3_K_M, "blk.2.attn_v.weight"), TensorType::Q4_K);
  EXPECT_EQ(type_in(FileType::Q3_K_S, "blk.0.attn_v.weight"), TensorType::Q3_K);
  EXPECT_EQ(type_in(FileType::Q3_K_S, "output.weight"), TensorType::Q6_K);
  EXPECT_EQ(type_in(FileType::Q4_K_S, "blk.3.attn_v.weight"), TensorType::Q5_K);
  EXPECT_EQ(type_in(FileType::Q4_K_S, "blk.4.attn_v.weight"), TensorType::Q4_K);
  EXPECT_EQ(type_in(FileType::Q4_K_S, "blk.3.ffn_down.weight"), TensorType::Q5_K);  // < 32/8
  EXPECT_EQ(type_in(FileType::Q4_K_S, "blk.4.ffn_down.weight"), TensorType::Q4_K);
  EXPECT_EQ(type_in(FileType::Q5_K_S, "blk.0.attn_v.weight"), TensorType::Q5_K);
  EXPECT_EQ(type_in(FileType::Q5_K_S, "blk.0.ffn_down.weight"), TensorType::Q5_K);
}

TEST(QuantRecipe, GroupedQueryAndImatrixRules) {
  // 4 query heads per KV head: attn_v gets more bits in Q2_K and IQ4_*.
  EXPECT_EQ(type_in(FileType::Q2_K, "blk.5.attn_v.weight"), TensorType::Q4_K);
  EXPECT_EQ(type_in(FileType::IQ4_NL, "blk.5.attn_v.weight"), TensorType::Q5_K);
  EXPECT_EQ(type_in(FileType::IQ4_XS, "blk.5.attn_v.weight"), TensorType::Q5_K);
  // IQ4_* protect the first n/8 ffn_down without an imatrix only.
  EXPECT_EQ(type_in(FileType::IQ4_XS, "blk.3.ffn_down.weight"), TensorType::Q5_K);
  EXPECT_EQ(type_in(FileType::IQ4_XS, "blk.3.ffn_down.weight", true), TensorType::IQ4_XS);
  // Q4_0 / Q5_0 with an imatrix: the first n/8 ffn_down get the offset variant.
  EXPECT_EQ(type_in(FileType::Q4_0, "blk.3.ffn_down.weight", true), TensorType::Q4_1);
  EXPECT_EQ(type_in(FileType::Q5_0, "blk.3.ffn_down.weight", true), TensorType::Q5_1);
  EXPECT_EQ(type_in(FileType::Q4_0, "blk.3.ffn_down.weight"), TensorType::Q4_0);
  EXPECT_EQ(type_in(FileType::Q4_0, "blk.4.ffn_down.weight", true), TensorType::Q4_0);
}

TEST(QuantRecipe, TensorNamesMapToRoles) {
  const ShapeTensor v = classify_tensor("blk.12.attn_v.weight", {4096, 1024});
  EXPECT_EQ(v.role, TensorRole::AttnV);
  EXPECT_EQ(v.layer, 12);
  EXPECT_EQ(classify_tensor("output.weight", {64, 512}).role, TensorRole::Output);
  EXPECT_EQ(classify_tensor("blk.0.attn_norm.weight", {64}).role, TensorRole::Norm);
  EXPECT_EQ(classify_tensor("blk.0.attn_q.bias", {64}).role, TensorRole::Bias);
  EXPECT_EQ(classify_tensor("blk.0.ffn_gate_inp.weight", {64, 8}).role, TensorRole::Other);
  EXPECT_EQ(classify_tensor("blk.x.attn_v.weight", {64, 8}).role, TensorRole::Other);
  EXPECT_EQ(classify_tensor("blk.x.attn_v.weight", {64, 8}).layer, -1);
}

TEST(QuantRecipe, FileTypeNames) {
  EXPECT_EQ(file_type_from_name("q4_k_m"), FileType::Q4_K_M);
  EXPECT_EQ(file_type_from_id(15), FileType::Q4_K_M);
  EXPECT_EQ(file_type_name(FileType::Q8_0), "Q8_0");
  EXPECT_FALSE(file_type_from_name("Q9_X").has_value());
  try {
    file_type_or_throw("Q9_X");
    FAIL() << "no throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Q4_K_M"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace hearth::model
