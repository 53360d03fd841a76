// A GGUF metadata value: a scalar, a string, or an array of values (arrays may
// nest). The exact on-disk type is kept so a file can be written back
// byte for byte.
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
bool is_float(ValueType t);
// Bytes on disk of a scalar type (0 for STRING and ARRAY).
size_t scalar_size(ValueType t);

class Value {
 public:
  Value() = default;
  static Value unsigned_int(ValueType t, uint64_t v);
  static Value signed_int(ValueType t, int64_t v);
  static Value floating(ValueType t, double v);
  static Value boolean(bool v);
  static Value string(std::string v);
  static Value array(ValueType element_type, std::vector<Value> items);

  ValueType type() const { return type_; }

  // Accessors check the type and throw hearth::FormatError naming both types.
  uint64_t as_uint() const;        // any unsigned or non-negative signed integer
  int64_t as_int() const;          // any integer that fits int64
  double as_float() const;         // F32/F64 (and integers, converted)
  bool as_bool() const;
  const std::string& as_string() const;
  ValueType element_type() const;  // arrays only
  const std::vector<Value>& items() const;  // arrays only

  // Raw storage, for the writer.
  uint64_t raw_bits() const { return bits_; }

  // Short human-readable rendering ("[512 strings]" for long arrays).
  std::string to_display(size_t max_items = 8) const;

 private:
  ValueType type_ = ValueType::U8;
  uint64_t bits_ = 0;  // integers as two's complement, F32/F64 as double bits
  std::string str_;
  ValueType element_type_ = ValueType::U8;
  std::vector<Value> items_;
};

}  // namespace hearth::gguf
