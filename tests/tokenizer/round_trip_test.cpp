// decode(encode(s)) == s wherever the tokenizer is lossless.
#include <gtest/gtest.h>

#include "vocab_files.h"

namespace hearth::tokenizer {
namespace {

using test::vocab_tokenizer;

class LosslessRoundTrip : public ::testing::TestWithParam<std::string> {};

TEST_P(LosslessRoundTrip, EveryTestStringComesBack) {
  const auto& tok = vocab_tokenizer(GetParam());
  const auto strings = test::vocab_test_strings(GetParam());
  ASSERT_FALSE(strings.empty());
  for (const auto& s : strings) {
    EXPECT_EQ(tok.decode(tok.encode(s, false, false)), s) << GetParam();
    // With BOS/EOS and special tokens the text still comes back (specials hidden).
    EXPECT_EQ(tok.decode(tok.encode(s, true, true)), s) << GetParam();
  }
}

// WordPiece is not here: it lowercases, strips accents and drops spacing.
INSTANTIATE_TEST_SUITE_P(SentencePieceAndBpe, LosslessRoundTrip,
                         ::testing::Values("llama-spm", "phi-3", "llama-bpe", "qwen2", "gpt-2", "deepseek-llm",
                                           "deepseek-coder", "falcon", "starcoder"),
                         test::vocab_param_name);

TEST(RoundTrip, SpecialTokensRenderOnRequest) {
  const auto& tok = vocab_tokenizer("llama-bpe");
  const std::string text = "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>";
  const auto ids = tok.encode(text, false, true);
  EXPECT_EQ(tok.decode(ids, /*render_special=*/true), text);
  EXPECT_EQ(tok.decode(ids), "user\n\nHi");
}

TEST(RoundTrip, SentencePieceKeepsLeadingSpaces) {
  const auto& tok = vocab_tokenizer("llama-spm");
  for (const std::string s : {" x", "  two", "\n lead", "trail  "}) {
    EXPECT_EQ(tok.decode(tok.encode(s, true, false)), s);
  }
}

TEST(RoundTrip, WordPieceIsLossyAsDocumented) {
  const auto& tok = vocab_tokenizer("bert-bge");
  EXPECT_EQ(tok.decode(tok.encode("Hello, World!", true, false)), "hello , world !");
  EXPECT_EQ(tok.decode(tok.encode("Äpfel Cửa", false, false)), "apfel cua");
}

TEST(RoundTrip, TokenToPieceOfEachKind) {
  const auto& spm = vocab_tokenizer("llama-spm");
  EXPECT_EQ(spm.token_to_piece(spm.vocab().find("▁Hello")), " Hello");
  EXPECT_EQ(spm.token_to_piece(spm.vocab().find("<0x41>")), "A");
  EXPECT_EQ(spm.token_to_piece(1), "");
  EXPECT_EQ(spm.token_to_piece(1, /*render_special=*/true), "<s>");
  const auto& gpt2 = vocab_tokenizer("gpt-2");
  EXPECT_EQ(gpt2.token_to_piece(gpt2.vocab().find("ĠHello")), " Hello");
  EXPECT_EQ(gpt2.token_to_piece(gpt2.vocab().find("Ċ")), "\n");
}

TEST(RoundTrip, LongTextWithoutSplitPoints) {
  // One 20k-character piece for every algorithm: exercises the heap-based
  // merge loops on input the pre-tokenizers cannot cut.
  const std::string word(20000, 'a');
  for (const char* name : {"llama-spm", "gpt-2", "llama-bpe"}) {
    const auto& tok = vocab_tokenizer(name);
    const auto ids = tok.encode(word, false, false);
    EXPECT_LT(ids.size(), word.size() / 2) << name;
    EXPECT_EQ(tok.decode(ids), word) << name;
  }
}

}  // namespace
}  // namespace hearth::tokenizer
