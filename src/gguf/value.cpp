#include "gguf/value.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "core/error.h"

namespace hearth::gguf {

std::string_view value_type_name(ValueType t) {
  switch (t) {
    case ValueType::U8: return "uint8";
    case ValueType::I8: return "int8";
    case ValueType::U16: return "uint16";
    case ValueType::I16: return "int16";
    case ValueType::U32: return "uint32";
    case ValueType::I32: return "int32";
    case ValueType::F32: return "float32";
    case ValueType::BOOL: return "bool";
    case ValueType::STRING: return "string";
    case ValueType::ARRAY: return "array";
    case ValueType::U64: return "uint64";
    case ValueType::I64: return "int64";
    case ValueType::F64: return "float64";
  }
  return "unknown";
}

bool is_valid_value_type(uint32_t t) { return t <= static_cast<uint32_t>(ValueType::F64); }

bool is_integer(ValueType t) {
  switch (t) {
    case ValueType::U8: case ValueType::I8: case ValueType::U16: case ValueType::I16:
    case ValueType::U32: case ValueType::I32: case ValueType::U64: case ValueType::I64:
      return true;
    default:
      return false;
  }
}

bool is_float(ValueType t) { return t == ValueType::F32 || t == ValueType::F64; }

bool is_signed_integer(ValueType t) {
  return t == ValueType::I8 || t == ValueType::I16 || t == ValueType::I32 || t == ValueType::I64;
}

size_t scalar_size(ValueType t) {
  switch (t) {
    case ValueType::U8: case ValueType::I8: case ValueType::BOOL: return 1;
    case ValueType::U16: case ValueType::I16: return 2;
    case ValueType::U32: case ValueType::I32: case ValueType::F32: return 4;
    case ValueType::U64: case ValueType::I64: case ValueType::F64: return 8;
    default: return 0;
  }
}

namespace {

// All-ones in the low `bytes` bytes.
uint64_t low_mask(size_t bytes) { return bytes >= 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * bytes)) - 1; }

[[noreturn]] void bad_factory(ValueType t, const std::string& what) {
  throw Error("gguf value of type " + std::string(value_type_name(t)) + ": " + what);
}

}  // namespace

Value Value::unsigned_int(ValueType t, uint64_t v) {
  if (!is_integer(t) || is_signed_integer(t)) bad_factory(t, "not an unsigned integer type");
  if (v > low_mask(scalar_size(t))) bad_factory(t, std::to_string(v) + " does not fit");
  Value r;
  r.type_ = t;
  r.bits_ = v;
  return r;
}

Value Value::signed_int(ValueType t, int64_t v) {
  if (!is_signed_integer(t)) bad_factory(t, "not a signed integer type");
  const int bits = static_cast<int>(8 * scalar_size(t));
  if (bits < 64 && (v < -(int64_t{1} << (bits - 1)) || v >= (int64_t{1} << (bits - 1)))) {
    bad_factory(t, std::to_string(v) + " does not fit");
  }
  Value r;
  r.type_ = t;
  r.bits_ = static_cast<uint64_t>(v);
  return r;
}

Value Value::floating(ValueType t, double v) {
  if (t == ValueType::F64) {
    Value r;
    r.type_ = t;
    r.bits_ = std::bit_cast<uint64_t>(v);
    return r;
  }
  if (t != ValueType::F32) bad_factory(t, "not a float type");
  if (std::isfinite(v) && std::fabs(v) > std::numeric_limits<float>::max()) {
    bad_factory(t, std::to_string(v) + " is out of float32 range");
  }
  return f32(static_cast<float>(v));
}

Value Value::f32(float v) {
  Value r;
  r.type_ = ValueType::F32;
  r.bits_ = std::bit_cast<uint32_t>(v);
  return r;
}

Value Value::from_raw(ValueType t, uint64_t raw) {
  const size_t size = scalar_size(t);
  if (size == 0) bad_factory(t, "not a fixed-size scalar type");
  if (raw > low_mask(size)) bad_factory(t, "raw bits wider than the type");
  if (t == ValueType::BOOL && raw > 1) {
    throw FormatError("bool value " + std::to_string(raw) + " is not 0 or 1");
  }
  Value r;
  r.type_ = t;
  r.bits_ = raw;
  if (is_signed_integer(t) && size < 8 && (raw >> (8 * size - 1)) != 0) {
    r.bits_ |= ~low_mask(size);  // sign-extend
  }
  return r;
}

Value Value::boolean(bool v) {
  Value r;
  r.type_ = ValueType::BOOL;
  r.bits_ = v ? 1 : 0;
  return r;
}

Value Value::string(std::string v) {
  Value r;
  r.type_ = ValueType::STRING;
  r.str_ = std::move(v);
  return r;
}

Value Value::array(ValueType element_type, std::vector<Value> items) {
  for (const Value& item : items) {
    if (item.type_ != element_type) {
      throw Error("gguf array of " + std::string(value_type_name(element_type)) +
                  " holds a " + std::string(value_type_name(item.type_)));
    }
  }
  Value r;
  r.type_ = ValueType::ARRAY;
  r.element_type_ = element_type;
  r.items_ = std::move(items);
  return r;
}

[[noreturn]] static void wrong_type(ValueType have, const char* want) {
  throw FormatError(std::string("metadata value is ") + std::string(value_type_name(have)) +
                    ", expected " + want);
}

uint64_t Value::as_uint() const {
  if (!is_integer(type_)) wrong_type(type_, "an integer");
  if (is_signed_integer(type_) && static_cast<int64_t>(bits_) < 0) {
    throw FormatError("metadata value is negative (" +
                      std::to_string(static_cast<int64_t>(bits_)) + "), expected unsigned");
  }
  return bits_;
}

int64_t Value::as_int() const {
  if (!is_integer(type_)) wrong_type(type_, "an integer");
  if (!is_signed_integer(type_) && bits_ > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    throw FormatError("metadata value " + std::to_string(bits_) + " does not fit int64");
  }
  return static_cast<int64_t>(bits_);
}

double Value::as_float() const {
  if (type_ == ValueType::F32) return std::bit_cast<float>(static_cast<uint32_t>(bits_));
  if (type_ == ValueType::F64) return std::bit_cast<double>(bits_);
  if (is_signed_integer(type_)) return static_cast<double>(static_cast<int64_t>(bits_));
  if (is_integer(type_)) return static_cast<double>(bits_);
  wrong_type(type_, "a number");
}

bool Value::as_bool() const {
  if (type_ != ValueType::BOOL) wrong_type(type_, "bool");
  return bits_ != 0;
}

const std::string& Value::as_string() const {
  if (type_ != ValueType::STRING) wrong_type(type_, "string");
  return str_;
}

ValueType Value::element_type() const {
  if (type_ != ValueType::ARRAY) wrong_type(type_, "array");
  return element_type_;
}

const std::vector<Value>& Value::items() const {
  if (type_ != ValueType::ARRAY) wrong_type(type_, "array");
  return items_;
}

namespace {
// The shortest "%g" text that reads back as the same float32 / float64
// ("1e-05", not "9.99999975e-06").
std::string shortest_text(ValueType t, double v) {
  char buf[64];
  if (!std::isfinite(v)) {
    std::snprintf(buf, sizeof buf, "%g", v);  // nan, inf, -inf
    return buf;
  }
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    const double back = std::strtod(buf, nullptr);
    // A rounded float32 text may overshoot float's range: not a match then.
    const bool same = t == ValueType::F32
                          ? std::fabs(back) <= std::numeric_limits<float>::max() &&
                                static_cast<float>(back) == static_cast<float>(v)
                          : back == v;
    if (same) break;
  }
  return buf;
}

// `s` in double quotes, with quotes, backslashes and control bytes escaped
// so that a hostile string cannot drive the terminal; long strings are cut.
std::string quoted(const std::string& s) {
  constexpr size_t kMaxChars = 120;
  std::string out = "\"";
  for (size_t i = 0; i < std::min(s.size(), kMaxChars); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (s.size() > kMaxChars) out += "...";
  return out + "\"";
}
}  // namespace

std::string Value::to_display(size_t max_items) const {
  switch (type_) {
    case ValueType::STRING: return quoted(str_);
    case ValueType::ARRAY: {
      if (items_.size() > max_items) {
        return "[" + std::to_string(items_.size()) + " " +
               std::string(value_type_name(element_type_)) + "s]";
      }
      std::string s = "[";
      for (size_t i = 0; i < items_.size(); ++i) {
        if (i) s += ", ";
        s += items_[i].to_display(max_items);
      }
      return s + "]";
    }
    case ValueType::BOOL: return bits_ ? "true" : "false";
    case ValueType::F32:
    case ValueType::F64: return shortest_text(type_, as_float());
    default:
      return is_signed_integer(type_) ? std::to_string(static_cast<int64_t>(bits_)) : std::to_string(bits_);
  }
}

}  // namespace hearth::gguf
