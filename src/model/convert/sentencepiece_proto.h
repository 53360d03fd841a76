// The pieces of a SentencePiece model file (tokenizer.model), read with a
// minimal protobuf wire-format reader of our own.
//
// Fields used (sentencepiece_model.proto):
//   ModelProto      1: repeated SentencePiece pieces   3: NormalizerSpec
//   SentencePiece   1: string piece   2: float score   3: enum type (default NORMAL = 1)
//   NormalizerSpec  3: bool add_dummy_prefix (default true)
// Piece types are numbered as GGUF's tokenizer.ggml.token_type numbers them
// (1 normal, 2 unknown, 3 control, 4 user defined, 5 unused, 6 byte).
// Every other field is skipped by its wire type. Truncated or malformed
// input throws FormatError naming `source`.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace hearth::model::convert {

struct SentencePiece {
  std::string piece;
  float score = 0.0f;
  int32_t type = 1;
};

struct SentencePieceModel {
  std::vector<SentencePiece> pieces;
  bool add_dummy_prefix = true;
};

SentencePieceModel parse_sentencepiece_model(std::span<const uint8_t> bytes, const std::string& source);

}  // namespace hearth::model::convert
