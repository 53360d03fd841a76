#include "tokenizer/tokenizer.h"


#include "core/error.h"
#include "gguf/file.h"
#include "tokenizer/bpe.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/pretokenizer.h"
#include "tokenizer/spm.h"
#include "tokenizer/wordpiece.h"

namespace hearth::tokenizer {
namespace {

void replace_space_marks(std::string_view text, std::string& out) {
  for (size_t pos = 0; pos < text.size();) {
    if (text.substr(pos, kSpaceMark.size()) == kSpaceMark) {
      out += ' ';
      pos += kSpaceMark.size();
    } else {
      out += text[pos++];
    }
  }
}

// "<0xNN>" -> the byte, or -1 when the text is not of that form.
int parse_byte_token(std::string_view text) {
  if (text.size() != 6 || text.substr(0, 3) != "<0x" || text[5] != '>') return -1;
  int value = 0;
  for (char c : text.substr(3, 2)) {
    int digit = -1;
    if (c >= '0' && c <= '9') digit = c - '0';
    if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
    if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

bool is_special_type(TokenType t) {
  return t == TokenType::Control || t == TokenType::Unknown || t == TokenType::UserDefined;
}

}  // namespace

Tokenizer Tokenizer::from_gguf(const gguf::File& file) { return Tokenizer(Vocab::from_gguf(file)); }

Tokenizer::Tokenizer(Vocab vocab) : vocab_(std::move(vocab)), matcher_(vocab_) {
  if (vocab_.algorithm == Algorithm::BytePairEncoding) {
    bpe_ = std::make_unique<BpeModel>(vocab_, Pretokenizer::for_name(vocab_.pre, vocab_.source));
  }
}

Tokenizer::~Tokenizer() = default;
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;

void Tokenizer::encode_text(std::string_view text, bool after_special, std::vector<int32_t>& out) const {
  switch (vocab_.algorithm) {
    case Algorithm::SentencePiece: {
      const bool prefix = vocab_.add_space_prefix && after_special;
      spm::encode(vocab_, spm::escape_spaces(prefix ? " " + std::string(text) : std::string(text)), out);
      break;
    }
    case Algorithm::BytePairEncoding:
      bpe_->encode(vocab_, text, out);
      break;
    case Algorithm::WordPiece:
      wordpiece::encode(vocab_, text, out);
      break;
  }
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_special, bool parse_special) const {
  std::vector<int32_t> out;
  if (add_special && vocab_.add_bos && vocab_.special.bos != kNoToken) out.push_back(vocab_.special.bos);
  bool after_special = true;  // the start of the text counts as "after a special token"
  for (const Fragment& f : matcher_.split(text, parse_special)) {
    if (f.token != kNoToken) {
      out.push_back(f.token);
      after_special = true;
    } else {
      encode_text(text.substr(f.offset, f.length), after_special, out);
      after_special = false;
    }
  }
  if (add_special && vocab_.add_eos && vocab_.special.eos != kNoToken) out.push_back(vocab_.special.eos);
  return out;
}

void Tokenizer::check_id(int32_t id) const {
  if (!vocab_.valid(id)) {
    throw Error(vocab_.source + ": token id " + std::to_string(id) + " is outside the vocabulary [0, " +
                std::to_string(vocab_.n_vocab()) + ")");
  }
}

bool Tokenizer::is_control(int32_t id) const {
  if (!vocab_.valid(id)) return false;
  const TokenType t = vocab_.type(id);
  return t == TokenType::Control || t == TokenType::Unknown;
}

bool Tokenizer::strips_leading_space() const {
  return vocab_.algorithm == Algorithm::WordPiece ||
         (vocab_.algorithm == Algorithm::SentencePiece && vocab_.add_space_prefix);
}

std::string Tokenizer::token_to_piece(int32_t id, bool render_special) const {
  check_id(id);
  const std::string& text = vocab_.text(id);
  std::string out;
  switch (vocab_.type(id)) {
    case TokenType::Control:
    case TokenType::Unknown:
      if (render_special) out = text;
      break;
    case TokenType::Unused:
      break;
    case TokenType::Byte:
      if (const int b = parse_byte_token(text); b >= 0) {
        out += static_cast<char>(b);
      } else {
        out = text;
      }
      break;
    case TokenType::UserDefined:
      if (vocab_.algorithm == Algorithm::BytePairEncoding) {
        out = text;  // added tokens are stored as plain text, not byte-level
      } else {
        replace_space_marks(text, out);
      }
      break;
    case TokenType::Normal:
    case TokenType::Undefined:
      if (vocab_.algorithm == Algorithm::BytePairEncoding) {
        byte_level::decode(text, out);
      } else {
        replace_space_marks(text, out);
      }
      break;
  }
  return out;
}

std::string Tokenizer::decode(std::span<const int32_t> ids, bool render_special) const {
  std::string out;
  bool after_special = true;
  const bool strip = strips_leading_space();
  for (const int32_t id : ids) {
    std::string piece = token_to_piece(id, render_special);
    if (is_special_type(vocab_.type(id))) {
      after_special = true;
      out += piece;
      continue;
    }
    if (strip && after_special && !piece.empty() && piece[0] == ' ') piece.erase(0, 1);
    after_special = false;
    out += piece;
  }
  return out;
}

}  // namespace hearth::tokenizer
