// Bad or unsupported tokenizer metadata gets a clear error, never a guess.
#include <gtest/gtest.h>

#include "core/error.h"
#include "gguf/file.h"
#include "gguf_bytes.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/pretokenizer.h"
#include "vocab_files.h"

namespace hearth::tokenizer {
namespace {

// A byte-level BPE vocabulary: the 256 byte characters, then "Ġa" from the
// single merge "Ġ a".
test::GgufBytes tiny_bpe() {
  std::vector<std::string> tokens;
  for (int b = 0; b < 256; ++b) tokens.push_back(byte_level::byte_to_text(static_cast<uint8_t>(b)));
  tokens.push_back("Ġa");
  test::GgufBytes g;
  g.str("tokenizer.ggml.model", "gpt2").strings("tokenizer.ggml.tokens", tokens).strings("tokenizer.ggml.merges",
                                                                                           {"Ġ a"});
  return g;
}

template <typename Fn>
std::string error_of(Fn fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(TokenizerErrors, UnknownPreTokenizerIsNamed) {
  const auto bytes = tiny_bpe().str("tokenizer.ggml.pre", "no-such-pre").bytes();
  const auto file = gguf::File::parse(bytes, "odd.gguf");
  EXPECT_THROW(Tokenizer::from_gguf(file), UnsupportedError);
  const std::string msg = error_of([&] { Tokenizer::from_gguf(file); });
  EXPECT_NE(msg.find("odd.gguf"), std::string::npos) << msg;
  EXPECT_NE(msg.find("tokenizer.ggml.pre 'no-such-pre'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("llama-bpe"), std::string::npos) << msg;  // lists the known names
}

TEST(TokenizerErrors, DefaultAndMissingPreMeanTheGpt2Pattern) {
  const auto with_default = tiny_bpe().str("tokenizer.ggml.pre", "default").bytes();
  const auto without = tiny_bpe().bytes();
  const auto file_default = gguf::File::parse(with_default, "default.gguf");
  const auto file_missing = gguf::File::parse(without, "missing.gguf");
  const int32_t ga = 256;  // "Ġa", after the 256 byte characters
  for (const auto* file : {&file_default, &file_missing}) {
    const auto tok = Tokenizer::from_gguf(*file);
    // GPT-2 splits " a a" into " a", " a": the merge fires inside each piece.
    EXPECT_EQ(tok.encode(" a a", false, false), (std::vector<int32_t>{ga, ga})) << file->name();
    // "aa" stays one piece with no merge for "a a".
    EXPECT_EQ(tok.encode("aa", false, false).size(), 2u);
  }
}

TEST(TokenizerErrors, EveryKnownPreTokenizerCompiles) {
  for (const auto& name : Pretokenizer::known_names()) {
    const auto pre = Pretokenizer::for_name(name, "test");
    const auto pieces = pre.split("Hello world 123 ½ (ok)\n\n");
    size_t covered = 0;
    for (const auto& p : pieces) {
      EXPECT_EQ(p.offset, covered) << name;
      covered += p.length;
    }
    EXPECT_EQ(covered, std::string("Hello world 123 ½ (ok)\n\n").size()) << name;
  }
}

TEST(TokenizerErrors, UnknownModelIsNamed) {
  const auto bytes = test::GgufBytes{}
                         .str("tokenizer.ggml.model", "t5")
                         .strings("tokenizer.ggml.tokens", {"a"})
                         .bytes();
  const auto file = gguf::File::parse(bytes, "t5.gguf");
  EXPECT_THROW(Tokenizer::from_gguf(file), UnsupportedError);
  EXPECT_NE(error_of([&] { Tokenizer::from_gguf(file); }).find("'t5'"), std::string::npos);
}

TEST(TokenizerErrors, InconsistentMetadata) {
  const auto no_tokens = test::GgufBytes{}.str("tokenizer.ggml.model", "llama").bytes();
  EXPECT_THROW(Tokenizer::from_gguf(gguf::File::parse(no_tokens, "a")), FormatError);

  const auto bad_scores = test::GgufBytes{}
                              .str("tokenizer.ggml.model", "llama")
                              .strings("tokenizer.ggml.tokens", {"a", "b"})
                              .floats("tokenizer.ggml.scores", {0.0f})
                              .bytes();
  EXPECT_THROW(Tokenizer::from_gguf(gguf::File::parse(bad_scores, "b")), FormatError);

  const auto no_merges =
      test::GgufBytes{}.str("tokenizer.ggml.model", "gpt2").strings("tokenizer.ggml.tokens", {"a"}).bytes();
  EXPECT_THROW(Tokenizer::from_gguf(gguf::File::parse(no_merges, "c")), FormatError);

  const auto bad_merge = test::GgufBytes{}
                             .str("tokenizer.ggml.model", "gpt2")
                             .strings("tokenizer.ggml.tokens", {"a"})
                             .strings("tokenizer.ggml.merges", {"ab"})
                             .bytes();
  EXPECT_THROW(Tokenizer::from_gguf(gguf::File::parse(bad_merge, "d")), FormatError);

  const auto no_model = test::GgufBytes{}.strings("tokenizer.ggml.tokens", {"a"}).bytes();
  EXPECT_THROW(Tokenizer::from_gguf(gguf::File::parse(no_model, "e")), FormatError);
}

TEST(TokenizerErrors, OutOfRangeIdsOnDecode) {
  const auto& tok = test::vocab_tokenizer("llama-spm");
  EXPECT_THROW(tok.decode(std::vector<int32_t>{1, 32000}), Error);
  EXPECT_THROW(tok.token_to_piece(-1), Error);
  EXPECT_NE(error_of([&] { tok.token_to_piece(40000); }).find("40000"), std::string::npos);
}

TEST(TokenizerErrors, NoneSpecialIdsAreIgnored) {
  // stories260K writes 0xFFFFFFFF for "no separator / padding token".
  const auto file = gguf::File::open(hearth::test::kStories);
  const auto tok = Tokenizer::from_gguf(file);
  EXPECT_EQ(tok.special().sep, kNoToken);
  EXPECT_EQ(tok.special().pad, kNoToken);
  EXPECT_EQ(tok.bos(), 1);
  EXPECT_EQ(tok.n_vocab(), 512);
  const auto ids = tok.encode("Once upon a time", true, true);
  EXPECT_EQ(ids.front(), 1);
  EXPECT_EQ(tok.decode(ids), "Once upon a time");
}

}  // namespace
}  // namespace hearth::tokenizer
