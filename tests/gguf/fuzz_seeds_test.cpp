// The GGUF fuzzer's seed corpus (fuzz/corpus/gguf/) is made by the writer.
// This test checks the committed seeds are exactly what the generator makes
// (so they stay valid as the format code changes); run it with
// HEARTH_WRITE_FUZZ_SEEDS=1 to (re)write them.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>

#include "test_data.h"
#include "test_util.h"

namespace hearth::gguf {
namespace {

std::vector<uint8_t> write_all(const Layout& layout) {
  std::vector<uint8_t> out;
  Writer w(out, layout);
  for (size_t i = 0; i < layout.tensors().size(); ++i) {
    w.write(test::sample_tensor_data(i, layout.tensor_bytes(i)));
  }
  w.commit();
  return out;
}

// A vocab-only file: what tokenizer tests and `hearth show` read.
std::vector<uint8_t> vocab_seed() {
  std::vector<Value> tokens, scores, types;
  for (const char* t : {"<unk>", "<s>", "</s>", "\xe2\x96\x81the", "<0x0A>", "a"}) {
    tokens.push_back(Value::string(t));
    scores.push_back(Value::f32(-static_cast<float>(tokens.size())));
    types.push_back(Value::signed_int(ValueType::I32, tokens.size() <= 3 ? 3 : 1));
  }
  std::vector<KeyValue> md;
  md.emplace_back("general.architecture", Value::string("llama"));
  md.emplace_back("tokenizer.ggml.model", Value::string("llama"));
  md.emplace_back("tokenizer.ggml.tokens", Value::array(ValueType::STRING, tokens));
  md.emplace_back("tokenizer.ggml.scores", Value::array(ValueType::F32, scores));
  md.emplace_back("tokenizer.ggml.token_type", Value::array(ValueType::I32, types));
  md.emplace_back("tokenizer.ggml.bos_token_id", Value::unsigned_int(ValueType::U32, 1));
  md.emplace_back("tokenizer.ggml.add_bos_token", Value::boolean(true));
  return write_all(Layout(md, {}));
}

// Wider alignment and more tensor types.
std::vector<uint8_t> aligned_seed() {
  std::vector<KeyValue> md;
  md.emplace_back("general.alignment", Value::unsigned_int(ValueType::U32, 64));
  md.emplace_back("llama.block_count", Value::unsigned_int(ValueType::U32, 1));
  return write_all(Layout(md, {{"a", TensorType::F16, {4, 2}},
                               {"b", TensorType::Q4_K, {256}},
                               {"c", TensorType::I32, {3, 1, 1, 2}}}));
}

std::map<std::string, std::vector<uint8_t>> seeds() {
  return {{"sample-v3.gguf", test::sample_file(3)},
          {"sample-v2.gguf", test::sample_file(2)},
          {"vocab.gguf", vocab_seed()},
          {"aligned-64.gguf", aligned_seed()}};
}

TEST(FuzzSeeds, CommittedSeedsMatchTheGenerator) {
  const auto dir = hearth::test::repo_path("fuzz/corpus/gguf");
  const bool write = std::getenv("HEARTH_WRITE_FUZZ_SEEDS") != nullptr;
  size_t total = 0;
  for (const auto& [name, bytes] : seeds()) {
    SCOPED_TRACE(name);
    ASSERT_NO_THROW((void)File::parse(bytes, name));
    if (write) {
      std::filesystem::create_directories(dir);
      std::ofstream(dir / name, std::ios::binary)
          .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    }
    EXPECT_EQ(hearth::test::read_bytes(dir / name), bytes);
    total += bytes.size();
  }
  EXPECT_LT(total, 200u * 1024);  // the corpus stays small
}

}  // namespace
}  // namespace hearth::gguf
