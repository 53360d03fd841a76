// Special-token parsing and BOS/EOS framing.
#include <gtest/gtest.h>

#include <algorithm>

#include "vocab_files.h"

namespace hearth::tokenizer {
namespace {

using test::vocab_tokenizer;

std::vector<int32_t> concat(std::vector<int32_t> a, const std::vector<int32_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(SpecialTokens, ControlTokenTextIsParsedOnlyWhenAsked) {
  const auto& tok = vocab_tokenizer("llama-bpe");
  const int32_t bot = tok.vocab().find("<|begin_of_text|>");
  ASSERT_EQ(bot, 128000);
  const auto hello = tok.encode("Hello", false, false);
  EXPECT_EQ(tok.encode("<|begin_of_text|>Hello", false, true), concat({bot}, hello));
  const auto plain = tok.encode("<|begin_of_text|>Hello", false, false);
  EXPECT_EQ(std::count(plain.begin(), plain.end(), bot), 0);
  EXPECT_GT(plain.size(), 3u);  // "<", "|", "begin"... as text
  EXPECT_EQ(tok.decode(plain), "<|begin_of_text|>Hello");
}

TEST(SpecialTokens, AdjacentSpecialTokensAndTextBetween) {
  const auto& tok = vocab_tokenizer("llama-bpe");
  const auto ids = tok.encode("<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>", false, true);
  const auto user = tok.encode("user", false, false);
  const auto hi = tok.encode("\n\nHi", false, false);
  EXPECT_EQ(ids, concat(concat(concat(concat({128006}, user), {128007}), hi), {128009}));
}

TEST(SpecialTokens, SentencePiecePrefixesASpaceAfterASpecialToken) {
  const auto& tok = vocab_tokenizer("llama-spm");
  // "<s>" then "Hi" tokenized as at the start of a text (" Hi" -> ▁Hi).
  const auto hi = tok.encode("Hi", false, false);
  EXPECT_EQ(tok.encode("<s>Hi</s>", false, true), concat(concat({1}, hi), {2}));
  EXPECT_EQ(tok.decode(tok.encode("<s>Hi</s>", false, true), /*render_special=*/true), "<s>Hi</s>");
}

TEST(SpecialTokens, UserDefinedTokensAreAlwaysMatched) {
  const auto& tok = vocab_tokenizer("deepseek-llm");
  const int32_t o_umlaut = tok.vocab().find("ö");
  ASSERT_NE(o_umlaut, kNoToken);
  ASSERT_EQ(tok.vocab().type(o_umlaut), TokenType::UserDefined);
  const auto ids = tok.encode("schön", false, /*parse_special=*/false);
  EXPECT_NE(std::find(ids.begin(), ids.end(), o_umlaut), ids.end());
  EXPECT_EQ(tok.decode(ids), "schön");
}

TEST(SpecialTokens, AddSpecialFollowsTheVocabulary) {
  // llama-spm: add_bos_token true, add_eos_token false.
  const auto& spm = vocab_tokenizer("llama-spm");
  EXPECT_EQ(spm.encode("Hi", true, false), concat({1}, spm.encode("Hi", false, false)));
  // llama-bpe has no add_bos_token key: Llama 3 adds <|begin_of_text|>.
  const auto& llama3 = vocab_tokenizer("llama-bpe");
  EXPECT_EQ(llama3.encode("Hi", true, false), concat({128000}, llama3.encode("Hi", false, false)));
  // gpt-2 has no add_bos_token key: GPT-2 adds nothing.
  const auto& gpt2 = vocab_tokenizer("gpt-2");
  EXPECT_EQ(gpt2.encode("Hi", true, false), gpt2.encode("Hi", false, false));
  // BERT frames with [CLS] ... [SEP].
  const auto& bert = vocab_tokenizer("bert-bge");
  EXPECT_EQ(bert.encode("Hi", true, false), concat(concat({101}, bert.encode("Hi", false, false)), {102}));
  EXPECT_EQ(bert.encode("[CLS] hi [SEP]", false, true), bert.encode("Hi", true, false));
}

TEST(SpecialTokens, EmptyTextWithAddSpecialIsJustBos) {
  EXPECT_EQ(vocab_tokenizer("llama-spm").encode("", true, true), std::vector<int32_t>{1});
  EXPECT_TRUE(vocab_tokenizer("llama-spm").encode("", false, true).empty());
}

}  // namespace
}  // namespace hearth::tokenizer
