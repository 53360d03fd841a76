#include "sampling/json_recognizer.h"

namespace hearth::sampling {
namespace {

bool is_digit(uint8_t c) { return c >= '0' && c <= '9'; }
int hex_value(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr std::string_view kLiterals[] = {"true", "false", "null"};

// Number states: where we are in -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
enum Num : uint8_t { minus, zero, integer, dot, fraction, exp_mark, exp_sign, exp_digits };
bool number_can_end(uint8_t s) { return s == zero || s == integer || s == fraction || s == exp_digits; }

}  // namespace

bool JsonRecognizer::feed(uint8_t byte) {
  const JsonRecognizer saved = *this;
  if (step(byte)) return true;
  *this = saved;
  return false;
}

bool JsonRecognizer::feed(std::string_view bytes) {
  const JsonRecognizer saved = *this;
  for (const char c : bytes) {
    if (!step(static_cast<uint8_t>(c))) {
      *this = saved;
      return false;
    }
  }
  return true;
}

// One byte; may leave the state half-changed when it returns false (feed
// restores it).
bool JsonRecognizer::step(uint8_t c) {
  switch (mode_) {
    case Mode::string: return in_string(c);
    case Mode::escape: return in_escape(c);
    case Mode::unicode: return in_unicode(c);
    case Mode::number: return in_number(c);
    case Mode::literal: return in_literal(c);
    case Mode::done: return false;
    default: return structural(c);
  }
}

// Between tokens: whitespace (one space, or a newline and an indent of at
// most kMaxIndent spaces or tabs; length_ is 1 after the space, 2 + indent
// after the newline), then what the mode expects.
bool JsonRecognizer::structural(uint8_t c) {
  if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
    if (c == '\n' && length_ == 0) {
      length_ = 2;
    } else if (c == ' ' && length_ == 0) {
      length_ = 1;
    } else if ((c == ' ' || c == '\t') && length_ >= 2 && length_ - 2 < JsonLimits::kMaxIndent) {
      ++length_;
    } else {
      return false;
    }
    return true;
  }
  length_ = 0;
  switch (mode_) {
    case Mode::start:
      return c == '{' && start_value(c);
    case Mode::object_open:
      if (c == '}') return close(c);
      [[fallthrough]];
    case Mode::object_key:
      if (c != '"') return false;
      mode_ = Mode::string;
      key_ = true;
      return true;
    case Mode::colon:
      if (c != ':') return false;
      mode_ = Mode::value;
      return true;
    case Mode::array_open:
      if (c == ']') return close(c);
      [[fallthrough]];
    case Mode::value:
      return start_value(c);
    case Mode::after_value:
      if (c == ',') {
        mode_ = in_object() ? Mode::object_key : Mode::value;
        return true;
      }
      return close(c);
    default:
      return false;
  }
}

bool JsonRecognizer::start_value(uint8_t c) {
  if (c == '{' || c == '[') {
    if (depth_ >= JsonLimits::kMaxDepth) return false;
    const uint64_t bit = uint64_t{1} << depth_;
    stack_ = c == '{' ? (stack_ | bit) : (stack_ & ~bit);
    ++depth_;
    mode_ = c == '{' ? Mode::object_open : Mode::array_open;
    return true;
  }
  if (c == '"') {
    mode_ = Mode::string;
    key_ = false;
    return true;
  }
  if (c == '-' || is_digit(c)) {
    mode_ = Mode::number;
    sub_ = c == '-' ? minus : (c == '0' ? zero : integer);
    length_ = 1;
    return true;
  }
  for (uint8_t i = 0; i < 3; ++i) {
    if (c == static_cast<uint8_t>(kLiterals[i][0])) {
      mode_ = Mode::literal;
      lit_ = i;
      sub_ = 1;
      return true;
    }
  }
  return false;
}

// '}' or ']' closing the innermost container (it must be the right kind).
bool JsonRecognizer::close(uint8_t c) {
  if (depth_ == 0 || c != (in_object() ? '}' : ']')) return false;
  --depth_;
  mode_ = depth_ == 0 ? Mode::done : Mode::after_value;
  return true;
}

// String bytes: no control characters, UTF-8 checked (no overlong forms, no
// surrogates, nothing above U+10FFFF), at most kMaxStringBytes, then only
// the closing quote. A pending high surrogate escape demands its low half.
bool JsonRecognizer::in_string(uint8_t c) {
  if (utf8_left_ > 0) {
    if (c < utf8_lo_ || c > utf8_hi_) return false;
    --utf8_left_;
    utf8_lo_ = 0x80;
    utf8_hi_ = 0xbf;
    ++length_;
    return true;
  }
  if (need_low_) {
    if (c != '\\') return false;
    mode_ = Mode::escape;
    return true;
  }
  if (c == '"') {
    mode_ = key_ ? Mode::colon : Mode::after_value;
    length_ = 0;
    return true;
  }
  if (length_ >= JsonLimits::kMaxStringBytes || c < 0x20) return false;
  ++length_;
  if (c == '\\') {
    mode_ = Mode::escape;
    return true;
  }
  if (c < 0x80) return true;
  // Lead bytes and the range of the byte after them (RFC 3629 table 3-7).
  if (c >= 0xc2 && c <= 0xdf) {
    utf8_left_ = 1;
  } else if (c >= 0xe0 && c <= 0xef) {
    utf8_left_ = 2;
    if (c == 0xe0) utf8_lo_ = 0xa0;  // no overlong 3-byte forms
    if (c == 0xed) utf8_hi_ = 0x9f;  // no surrogates
  } else if (c >= 0xf0 && c <= 0xf4) {
    utf8_left_ = 3;
    if (c == 0xf0) utf8_lo_ = 0x90;  // no overlong 4-byte forms
    if (c == 0xf4) utf8_hi_ = 0x8f;  // nothing above U+10FFFF
  } else {
    return false;
  }
  return true;
}

bool JsonRecognizer::in_escape(uint8_t c) {
  if (need_low_ && c != 'u') return false;
  switch (c) {
    case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
      mode_ = Mode::string;
      return true;
    case 'u':
      mode_ = Mode::unicode;
      sub_ = 0;
      return true;
    default:
      return false;
  }
}

// \uXXXX: the first two digits decide the kind. After a high surrogate
// (D800-DBFF) the next escape must be a low one (DC00-DFFF); a low one on
// its own is invalid.
bool JsonRecognizer::in_unicode(uint8_t c) {
  const int h = hex_value(c);
  if (h < 0) return false;
  if (sub_ == 0) {
    escape_hi_ = static_cast<uint8_t>(h << 4);
  } else if (sub_ == 1) {
    escape_hi_ = static_cast<uint8_t>(escape_hi_ | h);
    const bool low = escape_hi_ >= 0xdc && escape_hi_ <= 0xdf;
    if (need_low_ != low) return false;
    high_surrogate_ = escape_hi_ >= 0xd8 && escape_hi_ <= 0xdb;
  }
  if (sub_ == 0 && need_low_ && h != 0xd) return false;
  if (++sub_ == 4) {
    need_low_ = high_surrogate_;
    high_surrogate_ = false;
    mode_ = Mode::string;
  }
  return true;
}

// A byte that cannot extend a finished number ends it and is read again as
// the byte after a value.
bool JsonRecognizer::in_number(uint8_t c) {
  const bool full = length_ >= JsonLimits::kMaxNumberBytes;
  const auto advance = [&](uint8_t next) {
    sub_ = next;
    ++length_;
    return true;
  };
  // Past the length limit, one digit may still finish an unfinished number.
  if (is_digit(c) && (!full || !number_can_end(sub_))) {
    switch (sub_) {
      case minus: return advance(c == '0' ? zero : integer);
      case integer: return advance(integer);
      case dot: case fraction: return advance(fraction);
      case exp_mark: case exp_sign: exp_digits_ = 0; [[fallthrough]];
      case exp_digits:
        if (exp_digits_ >= JsonLimits::kMaxExponentDigits) break;
        ++exp_digits_;
        return advance(exp_digits);
      default: break;  // zero: no leading zeros
    }
  } else if (!full && (c == '.') && (sub_ == zero || sub_ == integer)) {
    return advance(dot);
  } else if (!full && (c == 'e' || c == 'E') && (sub_ == zero || sub_ == integer || sub_ == fraction)) {
    return advance(exp_mark);
  } else if (!full && (c == '+' || c == '-') && sub_ == exp_mark) {
    return advance(exp_sign);
  }
  if (!number_can_end(sub_)) return false;
  mode_ = Mode::after_value;
  length_ = 0;
  return structural(c);
}

int JsonRecognizer::closing_bytes() const {
  int n = 0;
  switch (mode_) {
    case Mode::done: return 0;
    case Mode::start: return 2;                            // {}
    case Mode::object_key: n = 4; break;                   // "":0
    case Mode::colon: n = 2; break;                        // :0
    case Mode::value: n = 1; break;                        // 0
    case Mode::number: n = number_can_end(sub_) ? 0 : 1; break;
    case Mode::literal: n = static_cast<int>(kLiterals[lit_].size()) - sub_; break;
    case Mode::string: n = utf8_left_ + (need_low_ ? 6 : 0) + 1; break;     // [\uDC00] "
    case Mode::escape: n = (need_low_ ? 5 : 1) + 1; break;                   // uDC00 or n, then "
    case Mode::unicode: n = 4 - sub_ + (sub_ >= 2 && high_surrogate_ ? 6 : 0) + 1; break;
    default: break;                                        // object_open, array_open, after_value
  }
  const bool in_key = key_ && (mode_ == Mode::string || mode_ == Mode::escape || mode_ == Mode::unicode);
  return n + (in_key ? 2 : 0) + depth_;                    // :0 after a key, then the closes
}

bool JsonRecognizer::in_literal(uint8_t c) {
  const std::string_view word = kLiterals[lit_];
  if (c != static_cast<uint8_t>(word[sub_])) return false;
  if (static_cast<size_t>(++sub_) == word.size()) mode_ = Mode::after_value;
  return true;
}

}  // namespace hearth::sampling
