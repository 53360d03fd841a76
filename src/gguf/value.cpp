#include "gguf/value.h"

#include <bit>
#include <cstdio>
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

static bool is_signed(ValueType t) {
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

Value Value::unsigned_int(ValueType t, uint64_t v) {
  Value r;
  r.type_ = t;
  r.bits_ = v;
  return r;
}

Value Value::signed_int(ValueType t, int64_t v) {
  Value r;
  r.type_ = t;
  r.bits_ = static_cast<uint64_t>(v);
  return r;
}

Value Value::floating(ValueType t, double v) {
  Value r;
  r.type_ = t;
  r.bits_ = std::bit_cast<uint64_t>(v);
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
  if (is_signed(type_) && static_cast<int64_t>(bits_) < 0) {
    throw FormatError("metadata value is negative (" +
                      std::to_string(static_cast<int64_t>(bits_)) + "), expected unsigned");
  }
  return bits_;
}

int64_t Value::as_int() const {
  if (!is_integer(type_)) wrong_type(type_, "an integer");
  if (!is_signed(type_) && bits_ > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    throw FormatError("metadata value " + std::to_string(bits_) + " does not fit int64");
  }
  return static_cast<int64_t>(bits_);
}

double Value::as_float() const {
  if (is_float(type_)) return std::bit_cast<double>(bits_);
  if (is_signed(type_)) return static_cast<double>(static_cast<int64_t>(bits_));
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

std::string Value::to_display(size_t max_items) const {
  switch (type_) {
    case ValueType::STRING: {
      std::string s = "\"";
      for (char c : str_.size() > 120 ? str_.substr(0, 117) + "..." : str_) {
        if (c == '\n') s += "\\n";
        else if (c == '"') s += "\\\"";
        else s += c;
      }
      return s + "\"";
    }
    case ValueType::ARRAY: {
      if (items_.size() > max_items) {
        return "[" + std::to_string(items_.size()) + " " +
               std::string(value_type_name(element_type_)) + "]";
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
    case ValueType::F64: {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.9g", as_float());
      return buf;
    }
    default:
      return is_signed(type_) ? std::to_string(static_cast<int64_t>(bits_)) : std::to_string(bits_);
  }
}

}  // namespace hearth::gguf
