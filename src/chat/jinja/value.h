// The dynamic values of the Jinja interpreter, shaped after the Python objects
// that HF's chat-template renderer (Python Jinja2) works with.
//
//   Undefined  a missing variable/attribute/key: prints "", is falsy, iterates
//              as empty; arithmetic on it and calling it are errors.
//   None, Bool, Int (int64), Float (double), String (UTF-8; length, index and
//   slice count code points like Python's str), List (tuples are lists),
//   Dict (string keys, insertion order kept as Python dicts do), Callable
//   (built-in functions, bound methods, macros).
//
// Lists and dicts have reference semantics like Python: copies of a Value
// share the same container, so `ns.items.append(x)` is seen everywhere.
// A namespace() object is a Dict with `is_namespace` set: the only object on
// which `{% set obj.attr = ... %}` is allowed.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/error.h"

namespace hearth::jinja {

// A template problem found while lexing, parsing or rendering; the message
// starts with "line L, column C: " when the place is known.
class TemplateError : public FormatError {
 public:
  using FormatError::FormatError;
};

class Value;
using List = std::vector<Value>;

// Keys are strings, except in dict literals such as {0: 'a'} (ints, bools, none).
struct Dict {
  std::vector<std::pair<Value, Value>> items;
  bool is_namespace = false;

  const Value* find(std::string_view key) const;  // a string key
  Value* find(std::string_view key);
  const Value* find(const Value& key) const;
  void set(Value key, Value v);
  bool erase(const Value& key);
};

// Arguments of a call: positional then keyword, in source order.
struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;

  // The argument at `index` or named `name`, or nullptr when not given.
  const Value* get(size_t index, std::string_view name) const;
};

struct Callable {
  std::string name;
  std::function<Value(const CallArgs&)> fn;
};

enum class Kind { Undefined, None, Bool, Int, Float, String, Array, Dict, Callable };  // Array: a list

class Value {
 public:
  Value() = default;  // Undefined
  static Value undefined(std::string name = {});
  static Value none();
  Value(bool b);             // NOLINT: implicit like Python literals
  Value(int64_t i);          // NOLINT
  Value(int i) : Value(static_cast<int64_t>(i)) {}  // NOLINT
  Value(double f);           // NOLINT
  Value(std::string s);      // NOLINT
  Value(const char* s) : Value(std::string(s)) {}  // NOLINT
  Value(List l);             // NOLINT
  Value(Dict d);             // NOLINT
  static Value callable(std::string name, std::function<Value(const CallArgs&)> fn);

  Kind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == Kind::Undefined; }
  bool is_none() const { return kind_ == Kind::None; }
  bool is_bool() const { return kind_ == Kind::Bool; }
  bool is_int() const { return kind_ == Kind::Int; }
  bool is_float() const { return kind_ == Kind::Float; }
  bool is_number() const { return kind_ == Kind::Int || kind_ == Kind::Float; }
  bool is_string() const { return kind_ == Kind::String; }
  bool is_list() const { return kind_ == Kind::Array; }
  bool is_dict() const { return kind_ == Kind::Dict; }
  bool is_callable() const { return kind_ == Kind::Callable; }

  bool as_bool() const { return b_; }
  int64_t as_int() const { return i_; }
  double as_number() const;  // Int, Float or Bool as double
  const std::string& as_string() const { return s_; }
  // Name of the missing thing, for an Undefined ("" when unknown).
  const std::string& undefined_name() const { return s_; }
  List& list() const { return *list_; }
  Dict& dict() const { return *dict_; }
  const Callable& callable() const { return *fn_; }

  // Python truthiness: empty containers/strings, 0, None, Undefined are false.
  bool truthy() const;
  // Python str() (what {{ }} prints); Undefined prints as "".
  std::string str() const;
  // Python repr(): strings quoted, as inside printed lists and dicts.
  std::string repr() const;
  // A short type name for error messages ("string", "list", ...).
  std::string type_name() const;

  // A copy sharing no list or dict with this one.
  Value deep_copy() const;

  // Python ==, (1 == 1.0 == True), deep for containers.
  friend bool operator==(const Value& a, const Value& b);

  // Conversion from request JSON (objects keep their key order); TemplateError
  // when nested deeper than 512 levels.
  static Value from_json(const nlohmann::ordered_json& j);

 private:
  Kind kind_ = Kind::Undefined;
  bool b_ = false;
  int64_t i_ = 0;
  double f_ = 0;
  std::string s_;
  std::shared_ptr<List> list_;
  std::shared_ptr<Dict> dict_;
  std::shared_ptr<Callable> fn_;

  static Value from_json(const nlohmann::ordered_json& j, int depth);
};

// Python's repr() of a float: shortest round-trip digits, "1.0", "1e-05",
// "1e+16", "inf", "nan".
std::string python_float_repr(double f);

// json.dumps(v, ensure_ascii, indent, separators, sort_keys) as HF's tojson
// calls it. indent < 0 means none (one line). Separators default to
// (", ", ": ") without indent and (",", ": ") with it.
struct JsonStyle {
  int indent = -1;
  bool ensure_ascii = false;
  bool sort_keys = false;
  std::string item_sep;  // empty: the default for `indent`
  std::string key_sep;   // empty: ": "
};
std::string to_json(const Value& v, const JsonStyle& style);

}  // namespace hearth::jinja
