// The split patterns on small cases whose expected pieces follow from the
// patterns' definitions (tokenizer.json of each model family).
#include <gtest/gtest.h>

#include "tokenizer/pretokenizer.h"

namespace hearth::tokenizer {
namespace {

std::vector<std::string> pieces(const std::string& pre, std::string_view text) {
  std::vector<std::string> out;
  for (const Span& s : Pretokenizer::for_name(pre, "test").split(text)) {
    out.emplace_back(text.substr(s.offset, s.length));
  }
  return out;
}

using Pieces = std::vector<std::string>;

TEST(Pretokenizer, Gpt2) {
  EXPECT_EQ(pieces("gpt-2", "I've 12345 cats!!  ok"), (Pieces{"I", "'ve", " 12345", " cats", "!!", " ", " ok"}));
}

TEST(Pretokenizer, Llama3GroupsDigitsByThreeAndIgnoresCase) {
  EXPECT_EQ(pieces("llama-bpe", "I'VE 12345\n\n x"), (Pieces{"I", "'VE", " ", "123", "45", "\n\n", " x"}));
}

TEST(Pretokenizer, Qwen2SplitsSingleDigits) {
  EXPECT_EQ(pieces("qwen2", "a 123"), (Pieces{"a", " ", "1", "2", "3"}));
}

TEST(Pretokenizer, StarcoderSplitsDigitsFirst) {
  EXPECT_EQ(pieces("starcoder", "x12 y"), (Pieces{"x", "1", "2", " y"}));
}

TEST(Pretokenizer, FalconPunctuationRunsAndDigitTriples) {
  EXPECT_EQ(pieces("falcon", "a+=b 1234567"), (Pieces{"a", "+=", "b", " ", "123", "456", "7"}));
}

TEST(Pretokenizer, DeepseekCoder) {
  EXPECT_EQ(pieces("deepseek-coder", "int x=10;\n我们"), (Pieces{"int", " x", "=", "1", "0", ";", "\n", "我们"}));
}

TEST(Pretokenizer, MalformedBytesStayInTheirOwnPieces) {
  EXPECT_EQ(pieces("llama-bpe", "ab\xFF" "cd"), (Pieces{"ab", "\xFF", "cd"}));
}

}  // namespace
}  // namespace hearth::tokenizer
