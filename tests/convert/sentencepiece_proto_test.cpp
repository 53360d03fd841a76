// The SentencePiece protobuf reader: pieces, scores and types come back as
// written (tests/convert/hf_export.h writes the wire format field by field),
// unknown fields are skipped, and every truncation is a FormatError.
#include <gtest/gtest.h>

#include "core/error.h"
#include "hf_export.h"
#include "model/convert/sentencepiece_proto.h"

namespace hearth::model::convert {
namespace {

TEST(SentencePieceProto, ReadsPiecesAndTruncationsFailCleanly) {
  const std::vector<std::string> pieces = {"<unk>", "<s>", "\xe2\x96\x81the", "<0x0A>", "a"};
  const std::vector<float> scores = {0.0f, 0.0f, -1.5f, 0.0f, -7.25f};
  const std::vector<int32_t> types = {2, 3, 1, 6, 1};
  const auto bytes = hearth::test::sentencepiece_bytes(pieces, scores, types);
  const auto m = parse_sentencepiece_model(bytes, "tokenizer.model");
  ASSERT_EQ(m.pieces.size(), pieces.size());
  for (size_t i = 0; i < pieces.size(); ++i) {
    EXPECT_EQ(m.pieces[i].piece, pieces[i]);
    EXPECT_EQ(m.pieces[i].score, scores[i]);
    EXPECT_EQ(m.pieces[i].type, types[i]);
  }
  EXPECT_TRUE(m.add_dummy_prefix);
  // A prefix cut inside a field throws naming the file; one cut between two
  // top-level fields is valid protobuf and must hold the first pieces exactly.
  for (size_t n = 0; n < bytes.size(); ++n) {
    const std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + static_cast<long>(n));
    try {
      const auto part = parse_sentencepiece_model(prefix, "tokenizer.model");
      ASSERT_LE(part.pieces.size(), pieces.size());
      for (size_t i = 0; i < part.pieces.size(); ++i) EXPECT_EQ(part.pieces[i].piece, pieces[i]) << n;
    } catch (const FormatError& e) {
      EXPECT_EQ(std::string(e.what()).rfind("tokenizer.model: ", 0), 0u) << e.what();
    }
  }
  EXPECT_THROW(parse_sentencepiece_model(std::vector<uint8_t>{0x0a, 0x05, 'a'}, "t"), FormatError);
  EXPECT_THROW(parse_sentencepiece_model(std::vector<uint8_t>{0x0f}, "t"), FormatError);  // wire type 7
}

}  // namespace
}  // namespace hearth::model::convert
