// Reading real files: the built-in model, a quantized tiny model and a
// vocab-only file, checked against facts stated by their producers.
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>

#include "core/error.h"
#include "gguf/file.h"
#include "test_data.h"

namespace hearth::gguf {
namespace {

TEST(GgufFile, ReadsStories260K) {
  const File f = File::open(hearth::test::kStories);
  EXPECT_EQ(f.version(), 3u);
  EXPECT_EQ(f.architecture(), "llama");
  EXPECT_EQ(f.alignment(), 32u);
  EXPECT_EQ(f.get_uint("llama.embedding_length"), 64u);
  EXPECT_EQ(f.get_uint("llama.feed_forward_length"), 172u);
  EXPECT_EQ(f.get_uint("llama.block_count"), 5u);
  EXPECT_EQ(f.get_uint("llama.attention.head_count"), 8u);
  EXPECT_EQ(f.get_uint("llama.attention.head_count_kv"), 4u);
  EXPECT_EQ(f.get_uint("llama.context_length"), 2048u);
  EXPECT_EQ(f.get_string_array("tokenizer.ggml.tokens")->size(), 512u);
  EXPECT_EQ(f.tensors().size(), 48u);  // 9 per layer + token_embd, output_norm, output
  const Tensor* emb = f.find_tensor("token_embd.weight");
  ASSERT_NE(emb, nullptr);
  EXPECT_EQ(emb->shape, (std::vector<uint64_t>{64, 512}));
  EXPECT_EQ(emb->type, TensorType::F32);
  EXPECT_EQ(emb->n_bytes, 64u * 512 * 4);
  EXPECT_EQ(emb->row_length(), 64u);
  EXPECT_EQ(emb->n_rows(), 512u);
  EXPECT_EQ(f.data_offset() % 32, 0u);
  uint64_t end = 0;
  for (const Tensor& t : f.tensors()) {
    EXPECT_EQ(t.data, f.bytes().data() + f.data_offset() + t.offset);
    end = std::max(end, f.data_offset() + t.offset + t.n_bytes);
  }
  EXPECT_EQ(end, f.file_size());
}

TEST(GgufFile, ReadsMixedQuantTypes) {
  const File f = File::open(hearth::test::data_path("tiny/tiny-llama-Q4_K_M.gguf"));
  EXPECT_EQ(f.find_tensor("token_embd.weight")->type, TensorType::Q6_K);  // as the recipe writes it
  bool has_q4_k = false;
  for (const Tensor& t : f.tensors()) has_q4_k |= t.type == TensorType::Q4_K;
  EXPECT_TRUE(has_q4_k);
}

TEST(GgufFile, ReadsVocabOnlyFiles) {
  const File f = File::open(hearth::test::data_path("vocab/ggml-vocab-llama-spm.gguf"));
  EXPECT_TRUE(f.tensors().empty());
  EXPECT_EQ(f.data_offset(), f.file_size());  // no data section, no padding
  EXPECT_EQ(f.get_string("tokenizer.ggml.model"), "llama");
  const auto scores = f.get_float_array("tokenizer.ggml.scores");
  ASSERT_TRUE(scores.has_value());
  EXPECT_EQ(scores->size(), f.get_string_array("tokenizer.ggml.tokens")->size());
}

TEST(GgufFile, MissingFileIsAnIoErrorNamingIt) {
  try {
    (void)File::open("/nonexistent/x.gguf");
    ADD_FAILURE() << "opened";
  } catch (const IoError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("/nonexistent/x.gguf: cannot open", 0), 0u) << e.what();
  }
}

TEST(GgufValue, DisplayEscapesAndSummarises) {
  EXPECT_EQ(Value::string("a\"b\\c\n\x1b[31m").to_display(), "\"a\\\"b\\\\c\\n\\x1b[31m\"");
  EXPECT_EQ(Value::string(std::string(200, 'x')).to_display(), "\"" + std::string(120, 'x') + "...\"");
  std::vector<Value> many(9, Value::string("t"));
  EXPECT_EQ(Value::array(ValueType::STRING, many).to_display(), "[9 strings]");
  EXPECT_EQ(Value::array(ValueType::I32, {Value::signed_int(ValueType::I32, -3)}).to_display(), "[-3]");
  EXPECT_EQ(Value::f32(0.5f).to_display(), "0.5");
  EXPECT_EQ(Value::f32(1e-5f).to_display(), "1e-05");  // shortest text that reads back the same
  EXPECT_EQ(Value::floating(ValueType::F64, 0.1).to_display(), "0.1");
  EXPECT_EQ(Value::floating(ValueType::F64, 1.0 / 3).to_display(), "0.3333333333333333");
  // (9 digits would overshoot float range when read back as double, so 10.)
  EXPECT_EQ(Value::f32(std::numeric_limits<float>::max()).to_display(), "3.402823466e+38");
  EXPECT_EQ(Value::f32(-std::numeric_limits<float>::infinity()).to_display(), "-inf");
  EXPECT_EQ(Value::boolean(false).to_display(), "false");
  EXPECT_EQ(Value::unsigned_int(ValueType::U64, ~uint64_t{0}).to_display(), "18446744073709551615");
}

}  // namespace
}  // namespace hearth::gguf
