#include "model/convert/sentencepiece_proto.h"

#include <bit>
#include <cstring>

#include "core/error.h"

namespace hearth::model::convert {

namespace {

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

// A bounds-checked cursor over one protobuf message.
class Wire {
 public:
  Wire(std::span<const uint8_t> b, const std::string& source) : b_(b), source_(source) {}

  bool done() const { return pos_ == b_.size(); }

  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      need(1);
      const uint8_t byte = b_[pos_++];
      v |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return v;
    }
    fail("a varint is longer than 10 bytes");
  }

  uint32_t fixed32() {
    need(4);
    uint32_t v;
    std::memcpy(&v, b_.data() + pos_, 4);
    pos_ += 4;
    return v;
  }

  std::span<const uint8_t> bytes() {
    const uint64_t n = varint();
    need(n);
    const auto s = b_.subspan(pos_, n);
    pos_ += n;
    return s;
  }

  void skip(uint32_t wire) {
    switch (wire) {
      case kVarint: (void)varint(); return;
      case kFixed64: need(8); pos_ += 8; return;
      case kLengthDelimited: (void)bytes(); return;
      case kFixed32: need(4); pos_ += 4; return;
      default: fail("unsupported protobuf wire type " + std::to_string(wire));
    }
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw FormatError(source_ + ": not a SentencePiece model (" + what + " at byte " +
                      std::to_string(pos_) + ")");
  }

 private:
  void need(uint64_t n) const {
    if (n > b_.size() - pos_) fail("truncated");
  }

  std::span<const uint8_t> b_;
  const std::string& source_;
  size_t pos_ = 0;
};

// Reads (field number, wire type) of the next key.
std::pair<uint64_t, uint32_t> next_key(Wire& w) {
  const uint64_t key = w.varint();
  return {key >> 3, static_cast<uint32_t>(key & 7)};
}

SentencePiece parse_piece(std::span<const uint8_t> bytes, const std::string& source) {
  Wire w(bytes, source);
  SentencePiece p;
  while (!w.done()) {
    const auto [field, wire] = next_key(w);
    if (field == 1 && wire == kLengthDelimited) {
      const auto s = w.bytes();
      p.piece.assign(reinterpret_cast<const char*>(s.data()), s.size());
    } else if (field == 2 && wire == kFixed32) {
      p.score = std::bit_cast<float>(w.fixed32());
    } else if (field == 3 && wire == kVarint) {
      p.type = static_cast<int32_t>(w.varint());
      if (p.type < 1 || p.type > 6) w.fail("piece type " + std::to_string(p.type) + " is not 1..6");
    } else {
      w.skip(wire);
    }
  }
  return p;
}

bool parse_add_dummy_prefix(std::span<const uint8_t> bytes, const std::string& source) {
  Wire w(bytes, source);
  bool add = true;
  while (!w.done()) {
    const auto [field, wire] = next_key(w);
    if (field == 3 && wire == kVarint) {
      add = w.varint() != 0;
    } else {
      w.skip(wire);
    }
  }
  return add;
}

}  // namespace

SentencePieceModel parse_sentencepiece_model(std::span<const uint8_t> bytes, const std::string& source) {
  Wire w(bytes, source);
  SentencePieceModel m;
  while (!w.done()) {
    const auto [field, wire] = next_key(w);
    if (field == 1 && wire == kLengthDelimited) {
      m.pieces.push_back(parse_piece(w.bytes(), source));
    } else if (field == 3 && wire == kLengthDelimited) {
      m.add_dummy_prefix = parse_add_dummy_prefix(w.bytes(), source);
    } else {
      w.skip(wire);
    }
  }
  if (m.pieces.empty()) throw FormatError(source + ": the SentencePiece model has no pieces");
  return m;
}

}  // namespace hearth::model::convert
