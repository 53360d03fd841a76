// Bytes the vocabulary has no piece for, and malformed UTF-8.
#include <gtest/gtest.h>

#include "gguf/file.h"
#include "gguf_bytes.h"
#include "vocab_files.h"

namespace hearth::tokenizer {
namespace {

using test::vocab_tokenizer;

TEST(ByteFallback, SentencePieceSpellsUnknownCharactersInBytes) {
  const auto& tok = vocab_tokenizer("llama-spm");
  const Vocab& v = tok.vocab();
  ASSERT_EQ(v.find("🦙"), kNoToken);
  // " 🦙" after the space prefix: ▁ then the four UTF-8 bytes F0 9F A6 99.
  const std::vector<int32_t> expected = {v.find("▁"), v.find("<0xF0>"), v.find("<0x9F>"), v.find("<0xA6>"),
                                         v.find("<0x99>")};
  EXPECT_EQ(tok.encode("🦙", false, false), expected);
  EXPECT_EQ(tok.decode(expected), "🦙");
  for (size_t i = 1; i < expected.size(); ++i) EXPECT_EQ(v.type(expected[i]), TokenType::Byte);
}

TEST(ByteFallback, SentencePieceEncodesMalformedUtf8ByteWise) {
  const auto& tok = vocab_tokenizer("llama-spm");
  const std::string text = "a\xFF\xFE" "b\xE2\x82";  // stray bytes and a truncated €
  const auto ids = tok.encode(text, false, false);
  for (const char* byte : {"<0xFF>", "<0xFE>", "<0xE2>", "<0x82>"}) {
    EXPECT_NE(std::find(ids.begin(), ids.end(), tok.vocab().find(byte)), ids.end()) << byte;
  }
  EXPECT_EQ(tok.decode(ids), text);
}

TEST(ByteFallback, BytePairEncodingRoundTripsMalformedUtf8) {
  // Stray continuation bytes, a truncated 4-byte sequence, an encoded surrogate.
  const std::string text = "\xC3(hello \x80 w\xF0\x9F\xA6rld\xED\xA0\x80";
  for (const char* name : {"gpt-2", "llama-bpe", "qwen2", "deepseek-llm", "falcon", "starcoder"}) {
    const auto& tok = vocab_tokenizer(name);
    EXPECT_EQ(tok.decode(tok.encode(text, false, false)), text) << name;
  }
  // Bytes that never occur in UTF-8 need a token of their own: these have all 256.
  const std::string all_bytes = "\xFF\xFE\xC0\x01" + text;
  for (const char* name : {"gpt-2", "llama-bpe", "qwen2"}) {
    const auto& tok = vocab_tokenizer(name);
    EXPECT_EQ(tok.decode(tok.encode(all_bytes, false, false)), all_bytes) << name;
  }
}

TEST(ByteFallback, BytePairEncodingDropsBytesTheVocabularyLacks) {
  // deepseek-llm has no normal token for byte FF (its "ÿ" is a user-defined
  // token that stands for the text "ÿ") and no unknown token.
  const auto& tok = vocab_tokenizer("deepseek-llm");
  EXPECT_EQ(tok.encode("a\xFF", false, false), tok.encode("a", false, false));
  EXPECT_EQ(tok.decode(tok.encode("ÿ", false, false)), "ÿ");  // the real character is fine
}

TEST(ByteFallback, WordPieceDropsMalformedBytes) {
  const auto& tok = vocab_tokenizer("bert-bge");
  EXPECT_EQ(tok.encode("hel\xFFlo", false, false), tok.encode("hello", false, false));
}

TEST(ByteFallback, WithoutByteTokensAnUnknownCharacterIsUnk) {
  // A SentencePiece vocabulary with no <0xNN> pieces.
  const auto bytes = test::GgufBytes{}
                         .str("tokenizer.ggml.model", "llama")
                         .strings("tokenizer.ggml.tokens", {"<unk>", "<s>", "</s>", "▁", "a", "▁a"})
                         .floats("tokenizer.ggml.scores", {0, 0, 0, -1, -2, -0.5f})
                         .ints("tokenizer.ggml.token_type", {2, 3, 3, 1, 1, 1})
                         .u32("tokenizer.ggml.unknown_token_id", 0)
                         .u32("tokenizer.ggml.bos_token_id", 1)
                         .bytes();
  const auto file = gguf::File::parse(bytes, "tiny-spm");
  const auto tok = Tokenizer::from_gguf(file);
  EXPECT_EQ(tok.encode("a€a", false, false), (std::vector<int32_t>{5, 0, 4}));
  EXPECT_EQ(tok.encode("a a", true, false), (std::vector<int32_t>{1, 5, 5}));
}

}  // namespace
}  // namespace hearth::tokenizer
