#include "chat/jinja/value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "chat/jinja/utf8.h"

namespace hearth::jinja {

// ---- containers -------------------------------------------------------------

const Value* Dict::find(std::string_view key) const {
  for (const auto& [k, v] : items) {
    if (k.is_string() && k.as_string() == key) return &v;
  }
  return nullptr;
}

Value* Dict::find(std::string_view key) {
  for (auto& [k, v] : items) {
    if (k.is_string() && k.as_string() == key) return &v;
  }
  return nullptr;
}

const Value* Dict::find(const Value& key) const {
  for (const auto& [k, v] : items) {
    if (k == key) return &v;
  }
  return nullptr;
}

void Dict::set(Value key, Value v) {
  for (auto& [k, slot] : items) {
    if (k == key) {
      slot = std::move(v);
      return;
    }
  }
  items.emplace_back(std::move(key), std::move(v));
}

bool Dict::erase(const Value& key) {
  for (auto it = items.begin(); it != items.end(); ++it) {
    if (it->first == key) {
      items.erase(it);
      return true;
    }
  }
  return false;
}

const Value* CallArgs::get(size_t index, std::string_view name) const {
  if (index < positional.size()) return &positional[index];
  for (const auto& [k, v] : keyword) {
    if (k == name) return &v;
  }
  return nullptr;
}

// ---- construction -------------------------------------------------------------

Value Value::undefined(std::string name) {
  Value v;
  v.s_ = std::move(name);
  return v;
}

Value Value::none() {
  Value v;
  v.kind_ = Kind::None;
  return v;
}

Value::Value(bool b) : kind_(Kind::Bool), b_(b) {}
Value::Value(int64_t i) : kind_(Kind::Int), i_(i) {}
Value::Value(double f) : kind_(Kind::Float), f_(f) {}
Value::Value(std::string s) : kind_(Kind::String), s_(std::move(s)) {}
Value::Value(List l) : kind_(Kind::Array), list_(std::make_shared<List>(std::move(l))) {}
Value::Value(Dict d) : kind_(Kind::Dict), dict_(std::make_shared<Dict>(std::move(d))) {}

Value Value::callable(std::string name, std::function<Value(const CallArgs&)> fn) {
  Value v;
  v.kind_ = Kind::Callable;
  v.fn_ = std::make_shared<Callable>(Callable{std::move(name), std::move(fn)});
  return v;
}

namespace {
// Deeper request JSON is refused rather than risking the stack.
constexpr int kMaxJsonDepth = 512;
}  // namespace

Value Value::from_json(const nlohmann::ordered_json& j) { return from_json(j, 0); }

Value Value::from_json(const nlohmann::ordered_json& j, int depth) {
  if (depth > kMaxJsonDepth) throw TemplateError("JSON value nested deeper than " + std::to_string(kMaxJsonDepth));
  switch (j.type()) {
    case nlohmann::json::value_t::null: return none();
    case nlohmann::json::value_t::boolean: return Value(j.get<bool>());
    case nlohmann::json::value_t::number_integer: return Value(j.get<int64_t>());
    case nlohmann::json::value_t::number_unsigned: {
      const auto u = j.get<uint64_t>();
      if (u <= static_cast<uint64_t>(INT64_MAX)) return Value(static_cast<int64_t>(u));
      return Value(static_cast<double>(u));
    }
    case nlohmann::json::value_t::number_float: return Value(j.get<double>());
    case nlohmann::json::value_t::string: return Value(j.get<std::string>());
    case nlohmann::json::value_t::array: {
      List l;
      l.reserve(j.size());
      for (const auto& e : j) l.push_back(from_json(e, depth + 1));
      return Value(std::move(l));
    }
    case nlohmann::json::value_t::object: {
      Dict d;
      for (const auto& [k, e] : j.items()) d.items.emplace_back(k, from_json(e, depth + 1));
      return Value(std::move(d));
    }
    default: throw TemplateError("unsupported JSON value (binary or discarded)");
  }
}

Value Value::deep_copy() const {
  if (kind_ == Kind::Array) {
    List l;
    l.reserve(list_->size());
    for (const Value& v : *list_) l.push_back(v.deep_copy());
    return Value(std::move(l));
  }
  if (kind_ == Kind::Dict) {
    Dict d;
    d.is_namespace = dict_->is_namespace;
    for (const auto& [k, v] : dict_->items) d.items.emplace_back(k, v.deep_copy());
    return Value(std::move(d));
  }
  return *this;
}

// ---- queries --------------------------------------------------------------------

double Value::as_number() const {
  if (kind_ == Kind::Float) return f_;
  if (kind_ == Kind::Bool) return b_ ? 1.0 : 0.0;
  return static_cast<double>(i_);
}

bool Value::truthy() const {
  switch (kind_) {
    case Kind::Undefined:
    case Kind::None: return false;
    case Kind::Bool: return b_;
    case Kind::Int: return i_ != 0;
    case Kind::Float: return f_ != 0.0;
    case Kind::String: return !s_.empty();
    case Kind::Array: return !list_->empty();
    case Kind::Dict: return !dict_->items.empty();
    case Kind::Callable: return true;
  }
  return false;
}

std::string Value::type_name() const {
  switch (kind_) {
    case Kind::Undefined: return "undefined";
    case Kind::None: return "none";
    case Kind::Bool: return "boolean";
    case Kind::Int: return "integer";
    case Kind::Float: return "float";
    case Kind::String: return "string";
    case Kind::Array: return "list";
    case Kind::Dict: return dict_->is_namespace ? "namespace" : "dict";
    case Kind::Callable: return "callable";
  }
  return "?";
}

bool operator==(const Value& a, const Value& b) {
  const bool a_num = a.is_number() || a.is_bool();
  const bool b_num = b.is_number() || b.is_bool();
  if (a_num && b_num) {
    if (a.is_int() && b.is_int()) return a.as_int() == b.as_int();
    return a.as_number() == b.as_number();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Kind::Undefined:
    case Kind::None: return true;
    case Kind::String: return a.as_string() == b.as_string();
    case Kind::Array: {
      if (a.list_ == b.list_) return true;
      if (a.list().size() != b.list().size()) return false;
      for (size_t i = 0; i < a.list().size(); ++i) {
        if (!(a.list()[i] == b.list()[i])) return false;
      }
      return true;
    }
    case Kind::Dict: {
      if (a.dict_ == b.dict_) return true;
      if (a.dict().items.size() != b.dict().items.size()) return false;
      for (const auto& [k, v] : a.dict().items) {
        const Value* other = b.dict().find(k);
        if (!other || !(*other == v)) return false;
      }
      return true;
    }
    case Kind::Callable: return a.fn_ == b.fn_;
    default: return false;
  }
}

// ---- printing ---------------------------------------------------------------------

std::string python_float_repr(double f) {
  if (std::isnan(f)) return "nan";
  if (std::isinf(f)) return f > 0 ? "inf" : "-inf";
  char buf[64];
  // Shortest round-trip digits in the form d[.ddd]e±XX.
  auto res = std::to_chars(buf, buf + sizeof(buf), f, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  std::string sign;
  if (sci[0] == '-') {
    sign = "-";
    sci.erase(0, 1);
  }
  const size_t e = sci.find('e');
  const int exp = std::stoi(sci.substr(e + 1));
  std::string digits;
  for (size_t i = 0; i < e; ++i) {
    if (sci[i] != '.') digits += sci[i];
  }
  // Python's repr switches to exponent form outside 1e-4 <= |f| < 1e16.
  if (exp < -4 || exp >= 16) {
    std::string out = sign + digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char eb[16];
    std::snprintf(eb, sizeof(eb), "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    return out + eb;
  }
  std::string out;
  if (exp < 0) {
    out = "0." + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
  } else {
    const auto int_len = static_cast<size_t>(exp) + 1;
    if (digits.size() <= int_len) {
      out = digits + std::string(int_len - digits.size(), '0') + ".0";
    } else {
      out = digits.substr(0, int_len) + "." + digits.substr(int_len);
    }
  }
  return sign + out;
}

namespace {

std::string python_string_repr(const std::string& s) {
  const bool has_single = s.find('\'') != std::string::npos;
  const bool has_double = s.find('"') != std::string::npos;
  const char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == quote || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  out += quote;
  return out;
}

void append_json_string(std::string& out, const std::string& s, bool ensure_ascii) {
  out += '"';
  for (char32_t cp : utf8::decode(s)) {
    switch (cp) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default: {
        char buf[16];
        if (cp < 0x20 || (ensure_ascii && cp >= 0x7F && cp < 0x10000)) {
          std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(cp));
          out += buf;
        } else if (ensure_ascii && cp >= 0x10000) {
          const char32_t v = cp - 0x10000;
          std::snprintf(buf, sizeof(buf), "\\u%04x\\u%04x", static_cast<unsigned>(0xD800 + (v >> 10)),
                        static_cast<unsigned>(0xDC00 + (v & 0x3FF)));
          out += buf;
        } else {
          utf8::append(out, cp);
        }
      }
    }
  }
  out += '"';
}

// json.dumps turns non-string keys into their JSON text.
std::string json_key(const Value& k) {
  if (k.is_string()) return k.as_string();
  if (k.is_bool()) return k.as_bool() ? "true" : "false";
  if (k.is_none()) return "null";
  return k.str();
}

void append_json(std::string& out, const Value& v, const JsonStyle& st, int depth) {
  if (depth > 512) throw TemplateError("tojson: value nested too deeply");
  const bool pretty = st.indent >= 0;
  const std::string item_sep = !st.item_sep.empty() ? st.item_sep : (pretty ? "," : ", ");
  const std::string key_sep = !st.key_sep.empty() ? st.key_sep : ": ";
  auto newline = [&](int d) {
    if (!pretty) return;
    out += '\n';
    out.append(static_cast<size_t>(st.indent) * static_cast<size_t>(d), ' ');
  };
  switch (v.kind()) {
    case Kind::Undefined:
    case Kind::None: out += "null"; return;
    case Kind::Bool: out += v.as_bool() ? "true" : "false"; return;
    case Kind::Int: out += std::to_string(v.as_int()); return;
    case Kind::Float: {
      const double f = v.as_number();
      if (std::isnan(f)) out += "NaN";
      else if (std::isinf(f)) out += f > 0 ? "Infinity" : "-Infinity";
      else out += python_float_repr(f);
      return;
    }
    case Kind::String: append_json_string(out, v.as_string(), st.ensure_ascii); return;
    case Kind::Array: {
      if (v.list().empty()) {
        out += "[]";
        return;
      }
      out += '[';
      bool first = true;
      for (const Value& e : v.list()) {
        if (!first) out += item_sep;
        first = false;
        newline(depth + 1);
        append_json(out, e, st, depth + 1);
      }
      newline(depth);
      out += ']';
      return;
    }
    case Kind::Dict: {
      if (v.dict().items.empty()) {
        out += "{}";
        return;
      }
      std::vector<const std::pair<Value, Value>*> entries;
      for (const auto& kv : v.dict().items) entries.push_back(&kv);
      if (st.sort_keys) {
        std::stable_sort(entries.begin(), entries.end(),
                         [](const auto* a, const auto* b) { return json_key(a->first) < json_key(b->first); });
      }
      out += '{';
      bool first = true;
      for (const auto* kv : entries) {
        if (!first) out += item_sep;
        first = false;
        newline(depth + 1);
        append_json_string(out, json_key(kv->first), st.ensure_ascii);
        out += key_sep;
        append_json(out, kv->second, st, depth + 1);
      }
      newline(depth);
      out += '}';
      return;
    }
    case Kind::Callable: throw TemplateError("tojson: a callable is not JSON serializable");
  }
}

void append_repr(std::string& out, const Value& v, int depth);

void append_container_repr(std::string& out, const Value& v, int depth) {
  if (depth > 512) throw TemplateError("value nested too deeply to print");
  if (v.is_list()) {
    out += '[';
    for (size_t i = 0; i < v.list().size(); ++i) {
      if (i) out += ", ";
      append_repr(out, v.list()[i], depth + 1);
    }
    out += ']';
    return;
  }
  out += v.dict().is_namespace ? "<Namespace {" : "{";
  bool first = true;
  for (const auto& [k, e] : v.dict().items) {
    if (!first) out += ", ";
    first = false;
    append_repr(out, k, depth + 1);
    out += ": ";
    append_repr(out, e, depth + 1);
  }
  out += v.dict().is_namespace ? "}>" : "}";
}

void append_repr(std::string& out, const Value& v, int depth) {
  if (v.is_string()) out += python_string_repr(v.as_string());
  else if (v.is_list() || v.is_dict()) append_container_repr(out, v, depth);
  else out += v.str();
}

}  // namespace

std::string Value::str() const {
  switch (kind_) {
    case Kind::Undefined: return "";
    case Kind::None: return "None";
    case Kind::Bool: return b_ ? "True" : "False";
    case Kind::Int: return std::to_string(i_);
    case Kind::Float: return python_float_repr(f_);
    case Kind::String: return s_;
    case Kind::Array:
    case Kind::Dict: {
      std::string out;
      append_container_repr(out, *this, 0);
      return out;
    }
    case Kind::Callable: return "<function " + fn_->name + ">";
  }
  return "";
}

std::string Value::repr() const {
  std::string out;
  append_repr(out, *this, 0);
  return out;
}

std::string to_json(const Value& v, const JsonStyle& style) {
  std::string out;
  append_json(out, v, style, 0);
  return out;
}

}  // namespace hearth::jinja
