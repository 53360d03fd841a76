// A GGUF metadata value: a scalar, a string, or an array of values (arrays may
// nest). The exact on-disk type and bits are kept so a file can be written
// back byte for byte: a float32 is stored as its 32 raw bits (never widened
// through double, which would quiet signalling-NaN payloads).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::gguf {

enum class ValueType : uint32_t {
  U8 = 0,
  I8 = 1,
  U16 = 2,
  I16 = 3,
  U32 = 4,
  I32 = 5,
  F32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  U64 = 10,
  I64 = 11,
  F64 = 12,
};

std::string_view value_type_name(ValueType t);
bool is_valid_value_type(uint32_t t);
bool is_integer(ValueType t);
bool is_signed_integer(ValueType t);
bool is_float(ValueType t);
// Bytes on disk of a fixed-size scalar type (0 for STRING and ARRAY).
size_t scalar_size(ValueType t);

class Value {
 public:
  Value() = default;
  // Factories check that the value fits the type and throw hearth::Error
  // otherwise (e.g. unsigned_int(U8, 300), signed_int(U32, -1)).
  static Value unsigned_int(ValueType t, uint64_t v);  // U8 U16 U32 U64
  static Value signed_int(ValueType t, int64_t v);     // I8 I16 I32 I64
  static Value floating(ValueType t, double v);        // F32 (rounded) or F64
  static Value f32(float v);                           // exact bits of v
  static Value boolean(bool v);
  static Value string(std::string v);
  // Every item must have type `element_type`.
  static Value array(ValueType element_type, std::vector<Value> items);
  // A fixed-size scalar from its little-endian bits as stored on disk, zero-
  // extended to 64 bits (the reader's entry point). Throws hearth::FormatError
  // for a bool byte other than 0 or 1.
  static Value from_raw(ValueType t, uint64_t raw);

  ValueType type() const { return type_; }

  // Accessors check the type and throw hearth::FormatError naming both types.
  uint64_t as_uint() const;        // any unsigned or non-negative signed integer
  int64_t as_int() const;          // any integer that fits int64
  double as_float() const;         // F32/F64 (and integers, converted)
  bool as_bool() const;
  const std::string& as_string() const;
  ValueType element_type() const;  // arrays only
  const std::vector<Value>& items() const;  // arrays only

  // The on-disk bits of a fixed-size scalar, zero- or sign-extended to 64
  // bits; its low scalar_size(type()) bytes, little-endian, are the file's.
  uint64_t raw_bits() const { return bits_; }

  // Short human-readable rendering: strings quoted, escaped and cut at 120
  // bytes; floats in the shortest text that reads back the same; arrays
  // longer than max_items summarised as "[512 strings]".
  std::string to_display(size_t max_items = 8) const;

  // Same type and same bits (so two NaNs with equal payloads are equal).
  bool operator==(const Value& other) const = default;

 private:
  ValueType type_ = ValueType::U8;
  uint64_t bits_ = 0;  // integers as two's complement, F32 as float bits, F64 as double bits
  std::string str_;
  ValueType element_type_ = ValueType::U8;
  std::vector<Value> items_;
};

}  // namespace hearth::gguf
