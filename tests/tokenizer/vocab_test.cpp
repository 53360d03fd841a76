// Every vocabulary in tests/data/vocab against the reference tokenizer's ids
// (format in vocab_files.h). Exact match: tokenization is discrete.
#include <gtest/gtest.h>

#include <cstdio>

#include "vocab_files.h"

namespace hearth::tokenizer {
namespace {

class VocabTest : public ::testing::TestWithParam<std::string> {};

TEST_P(VocabTest, MatchesReferenceIds) {
  const Tokenizer& tok = test::vocab_tokenizer(GetParam());
  const auto inputs = test::vocab_test_strings(GetParam());
  const auto expected = test::vocab_test_ids(GetParam());
  ASSERT_EQ(inputs.size(), 46u);
  ASSERT_EQ(expected.size(), inputs.size());
  int passed = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const auto ids = tok.encode(inputs[i], /*add_special=*/false, /*parse_special=*/false);
    EXPECT_EQ(ids, expected[i]) << GetParam() << " string #" << i << ": '" << inputs[i] << "'";
    passed += ids == expected[i];
  }
  std::printf("[ vocab    ] %-15s %d/%zu strings match\n", GetParam().c_str(), passed, inputs.size());
}

INSTANTIATE_TEST_SUITE_P(AllVocabs, VocabTest,
                         ::testing::Values("llama-spm", "phi-3", "llama-bpe", "qwen2", "gpt-2", "deepseek-llm",
                                           "deepseek-coder", "falcon", "starcoder", "bert-bge"),
                         test::vocab_param_name);

}  // namespace
}  // namespace hearth::tokenizer
