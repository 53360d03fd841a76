// An incremental JSON recognizer over bytes: a pushdown automaton that says,
// byte by byte, whether the text so far is still the prefix of a JSON
// document whose top level is an object (RFC 8259, UTF-8 checked inside
// strings, \u escapes with surrogate pairs), and when one is complete.
//
//   JsonRecognizer r;
//   if (!r.feed('{')) ...    // false: the byte cannot continue the document
//   r.complete();             // true once the top-level object is closed
//
// feed() leaves the state unchanged when it returns false, and the state is
// a small trivially copyable value, so a caller can try a byte sequence on a
// copy (the token mask walks a trie of the vocabulary that way).
//
// Limits (JsonLimits) keep a constrained generation from running on without
// progress: nesting depth, whitespace between tokens, string and number
// length. closing_bytes() is the length of the shortest completion, so a
// caller with a byte or token budget can steer to a complete document. At a limit the only bytes accepted are those that finish the
// current element (a string then accepts only its closing quote), so every
// string, number and run of whitespace ends (and every number fits a
// double, as strict parsers demand); the total length is left to
// the caller's token budget. Accepted documents always parse with a strict
// JSON parser (the tests hold it to nlohmann::json). Nothing may follow the
// closing brace, not even whitespace.
#pragma once

#include <cstdint>
#include <string_view>

namespace hearth::sampling {

struct JsonLimits {
  static constexpr int kMaxDepth = 32;          // nested objects and arrays (<= 64: a bit stack)
  // Whitespace between tokens: one space, or one newline and up to
  // kMaxIndent spaces or tabs (no blank lines, no runs of spaces: the ways
  // a constrained model would otherwise pad forever).
  static constexpr int kMaxIndent = 20;
  static constexpr int kMaxStringBytes = 2048;  // bytes inside one string (then it must close)
  static constexpr int kMaxNumberBytes = 24;    // bytes of one number
  static constexpr int kMaxExponentDigits = 2;  // |exponent| <= 99: every number fits a double
};

class JsonRecognizer {
 public:
  // Consumes one byte if it can continue the document; false (state kept)
  // if it cannot.
  bool feed(uint8_t byte);

  // Feeds every byte of `bytes`; false (state as before the call) as soon as
  // one cannot continue the document.
  bool feed(std::string_view bytes);

  // A whole top-level object has been read; only the end may follow.
  bool complete() const { return mode_ == Mode::done; }

  // The fewest bytes that complete the document from here (0 once
  // complete): finish the current string / number / literal, give a
  // pending key the value 0, then close every open container.
  int closing_bytes() const;

 private:
  enum class Mode : uint8_t {
    start,        // before the top-level '{'
    object_open,  // after '{': a key or '}'
    object_key,   // after ',' in an object: a key
    colon,        // after a key: ':'
    value,        // after ':' or ',' in an array: a value
    array_open,   // after '[': a value or ']'
    after_value,  // after a value: ',' or the container's close
    string,       // inside a string (key_ says which kind)
    escape,       // after '\' inside a string
    unicode,      // inside \uXXXX (sub_ = digits read)
    number,       // inside a number (sub_ = Num state)
    literal,      // inside true / false / null (lit_, sub_ = bytes read)
    done,         // the top-level object is closed
  };

  bool step(uint8_t c);
  bool structural(uint8_t c);
  bool start_value(uint8_t c);
  bool close(uint8_t c);
  bool in_string(uint8_t c);
  bool in_escape(uint8_t c);
  bool in_unicode(uint8_t c);
  bool in_number(uint8_t c);
  bool in_literal(uint8_t c);
  bool in_object() const { return (stack_ >> (depth_ - 1)) & 1u; }

  uint64_t stack_ = 0;       // bit d: container d (0 = outermost) is an object
  uint32_t length_ = 0;      // bytes of the current string / number; whitespace: see structural()
  Mode mode_ = Mode::start;
  uint8_t depth_ = 0;        // open containers
  uint8_t sub_ = 0;          // per-mode progress (see Mode)
  uint8_t lit_ = 0;          // which literal: 0 true, 1 false, 2 null
  uint8_t utf8_left_ = 0;    // continuation bytes still due in a string
  uint8_t utf8_lo_ = 0x80;   // allowed range of the next continuation byte
  uint8_t utf8_hi_ = 0xbf;
  uint8_t escape_hi_ = 0;    // first two hex digits of the \u escape being read
  uint8_t exp_digits_ = 0;   // exponent digits of the number being read
  bool key_ = false;         // the current string is an object key
  bool high_surrogate_ = false;  // the \u escape being read is a high surrogate
  bool need_low_ = false;        // a high surrogate was read: "\uDC00".."\uDFFF" must follow
};

}  // namespace hearth::sampling
