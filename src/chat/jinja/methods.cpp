// Python methods templates call on strings, dicts and lists
// (`s.strip()`, `d.items()`, `ns.queue.append(x)` ...).
#include <algorithm>
#include <cctype>
#include <unordered_map>

#include "chat/jinja/renderer.h"
#include "chat/jinja/strings.h"
#include "chat/jinja/utf8.h"

namespace hearth::jinja {

namespace {

using MethodFn = Value (*)(Renderer&, const Value&, const CallArgs&);

std::optional<std::string> opt_str(const CallArgs& a, size_t i, std::string_view name) {
  const Value* v = a.get(i, name);
  if (!v || v->is_none()) return std::nullopt;
  return string_arg(a, i, name, "");
}

Value strings_to_list(const std::vector<std::string>& parts) {
  List l;
  for (const auto& p : parts) l.emplace_back(p);
  return Value(std::move(l));
}

// startswith/endswith accept a string or a tuple of strings.
bool affix_match(const Value& self, const CallArgs& a, bool at_start) {
  const Value& arg = arg_or(a, 0, "prefix", Value());
  const std::string& s = self.as_string();
  auto one = [&](const Value& p) {
    if (!p.is_string()) fail("startswith/endswith need strings, got " + p.type_name());
    const std::string& x = p.as_string();
    if (x.size() > s.size()) return false;
    return at_start ? s.compare(0, x.size(), x) == 0 : s.compare(s.size() - x.size(), x.size(), x) == 0;
  };
  if (arg.is_list()) return std::any_of(arg.list().begin(), arg.list().end(), one);
  return one(arg);
}

// str.format with {} / {0} / {name} fields and {{ }} escapes (no format specs).
Value str_format(Renderer& r, const Value& self, const CallArgs& a) {
  const std::string& f = self.as_string();
  std::string out;
  size_t auto_index = 0;
  for (size_t i = 0; i < f.size(); ++i) {
    const char c = f[i];
    if ((c == '{' || c == '}') && i + 1 < f.size() && f[i + 1] == c) {
      out += c;
      ++i;
      continue;
    }
    if (c == '}') fail("single '}' in format string");
    if (c != '{') {
      out += c;
      continue;
    }
    const size_t close = f.find('}', i);
    if (close == std::string::npos) fail("unclosed '{' in format string");
    const std::string field = f.substr(i + 1, close - i - 1);
    if (field.find_first_of(":!") != std::string::npos) fail("format specs are not supported: {" + field + "}");
    const Value* v = nullptr;
    if (field.empty()) {
      v = a.get(auto_index++, "");
    } else if (const auto index = py::parse_index(field)) {
      v = a.get(static_cast<size_t>(*index), "");
    } else {
      v = a.get(static_cast<size_t>(-1), field);
    }
    if (!v) fail("format: no argument for field {" + field + "}");
    out += v->str();
    r.check_size(out.size());
    i = close;
  }
  return Value(std::move(out));
}

Value str_find(const Value& self, const CallArgs& a, bool from_right) {
  const std::string sub = string_arg(a, 0, "sub", "");
  const std::string& s = self.as_string();
  const size_t at = from_right ? s.rfind(sub) : s.find(sub);
  if (at == std::string::npos) return Value(int64_t{-1});
  return Value(static_cast<int64_t>(utf8::length(std::string_view(s).substr(0, at))));
}

bool all_chars(const Value& self, int (*pred)(int)) {
  const std::string& s = self.as_string();
  return !s.empty() && std::all_of(s.begin(), s.end(), [&](char c) { return pred(static_cast<unsigned char>(c)) != 0; });
}

const std::unordered_map<std::string, MethodFn>& string_methods() {
  static const std::unordered_map<std::string, MethodFn> table = {
      {"strip", [](Renderer&, const Value& s, const CallArgs& a) { return Value(py::strip(s.as_string(), opt_str(a, 0, "chars"), py::Side::Both)); }},
      {"lstrip", [](Renderer&, const Value& s, const CallArgs& a) { return Value(py::strip(s.as_string(), opt_str(a, 0, "chars"), py::Side::Left)); }},
      {"rstrip", [](Renderer&, const Value& s, const CallArgs& a) { return Value(py::strip(s.as_string(), opt_str(a, 0, "chars"), py::Side::Right)); }},
      {"split", [](Renderer& r, const Value& s, const CallArgs& a) {
         const auto parts = py::split(s.as_string(), opt_str(a, 0, "sep"), int_arg(a, 1, "maxsplit", -1), false);
         r.step(parts.size());
         return strings_to_list(parts);
       }},
      {"rsplit", [](Renderer& r, const Value& s, const CallArgs& a) {
         const auto parts = py::split(s.as_string(), opt_str(a, 0, "sep"), int_arg(a, 1, "maxsplit", -1), true);
         r.step(parts.size());
         return strings_to_list(parts);
       }},
      {"splitlines", [](Renderer& r, const Value& s, const CallArgs& a) {
         const auto parts = py::splitlines(s.as_string(), bool_arg(a, 0, "keepends", false));
         r.step(parts.size());
         return strings_to_list(parts);
       }},
      {"startswith", [](Renderer&, const Value& s, const CallArgs& a) { return Value(affix_match(s, a, true)); }},
      {"endswith", [](Renderer&, const Value& s, const CallArgs& a) { return Value(affix_match(s, a, false)); }},
      {"upper", [](Renderer&, const Value& s, const CallArgs&) { return Value(py::upper(s.as_string())); }},
      {"lower", [](Renderer&, const Value& s, const CallArgs&) { return Value(py::lower(s.as_string())); }},
      {"title", [](Renderer&, const Value& s, const CallArgs&) { return Value(py::title(s.as_string())); }},
      {"capitalize", [](Renderer&, const Value& s, const CallArgs&) { return Value(py::capitalize(s.as_string())); }},
      {"replace", [](Renderer& r, const Value& s, const CallArgs& a) {
         std::string out = py::replace(s.as_string(), string_arg(a, 0, "old", ""), string_arg(a, 1, "new", ""), int_arg(a, 2, "count", -1));
         r.check_size(out.size());
         return Value(std::move(out));
       }},
      {"find", [](Renderer&, const Value& s, const CallArgs& a) { return str_find(s, a, false); }},
      {"rfind", [](Renderer&, const Value& s, const CallArgs& a) { return str_find(s, a, true); }},
      {"count", [](Renderer&, const Value& s, const CallArgs& a) {
         const std::string sub = string_arg(a, 0, "sub", "");
         if (sub.empty()) return Value(static_cast<int64_t>(utf8::length(s.as_string()) + 1));
         int64_t n = 0;
         for (size_t p = s.as_string().find(sub); p != std::string::npos; p = s.as_string().find(sub, p + sub.size())) ++n;
         return Value(n);
       }},
      {"format", str_format},
      {"join", [](Renderer& r, const Value& s, const CallArgs& a) {
         std::string out;
         bool first = true;
         for (const Value& v : iterate(arg_or(a, 0, "iterable", Value()))) {
           if (!v.is_string()) fail("str.join needs strings, got " + v.type_name());
           if (!first) out += s.as_string();
           first = false;
           out += v.as_string();
           r.check_size(out.size());
         }
         return Value(std::move(out));
       }},
      {"isdigit", [](Renderer&, const Value& s, const CallArgs&) { return Value(all_chars(s, ::isdigit)); }},
      {"isalpha", [](Renderer&, const Value& s, const CallArgs&) { return Value(all_chars(s, ::isalpha)); }},
      {"isalnum", [](Renderer&, const Value& s, const CallArgs&) { return Value(all_chars(s, ::isalnum)); }},
      {"isspace", [](Renderer&, const Value& s, const CallArgs&) { return Value(all_chars(s, ::isspace)); }},
  };
  return table;
}

const std::unordered_map<std::string, MethodFn>& dict_methods() {
  static const std::unordered_map<std::string, MethodFn> table = {
      {"items", [](Renderer& r, const Value& d, const CallArgs&) {
         List out;
         for (const auto& [k, v] : d.dict().items) out.emplace_back(List{k, v});
         r.step(out.size());
         return Value(std::move(out));
       }},
      {"keys", [](Renderer& r, const Value& d, const CallArgs&) {
         List out;
         for (const auto& kv : d.dict().items) out.emplace_back(kv.first);
         r.step(out.size());
         return Value(std::move(out));
       }},
      {"values", [](Renderer& r, const Value& d, const CallArgs&) {
         List out;
         for (const auto& kv : d.dict().items) out.push_back(kv.second);
         r.step(out.size());
         return Value(std::move(out));
       }},
      {"get", [](Renderer&, const Value& d, const CallArgs& a) {
         const Value& key = arg_or(a, 0, "key", Value());
         const Value* v = d.dict().find(key);
         return v ? *v : arg_or(a, 1, "default", Value::none());
       }},
      {"pop", [](Renderer&, const Value& d, const CallArgs& a) {
         const Value key = arg_or(a, 0, "key", Value());
         const Value* v = d.dict().find(key);
         if (!v) {
           if (const Value* def = a.get(1, "default")) return *def;
           fail("dict.pop: key " + key.repr() + " not found");
         }
         Value out = *v;
         d.dict().erase(key);
         return out;
       }},
      {"update", [](Renderer&, const Value& d, const CallArgs& a) {
         const Value& other = arg_or(a, 0, "other", Value());
         if (other.is_dict()) {
           for (const auto& [k, v] : other.dict().items) d.dict().set(k, v);
         }
         for (const auto& [k, v] : a.keyword) d.dict().set(k, v);
         return Value::none();
       }},
      {"copy", [](Renderer&, const Value& d, const CallArgs&) { return Value(d.dict()); }},
  };
  return table;
}

size_t list_index(const Value& l, const CallArgs& a, int64_t fallback) {
  const auto n = static_cast<int64_t>(l.list().size());
  int64_t i = int_arg(a, 0, "index", fallback);
  if (i < 0) i += n;
  if (i < 0 || i >= n) fail("list index out of range");
  return static_cast<size_t>(i);
}

const std::unordered_map<std::string, MethodFn>& list_methods() {
  static const std::unordered_map<std::string, MethodFn> table = {
      {"append", [](Renderer& r, const Value& l, const CallArgs& a) {
         r.step();
         l.list().push_back(arg_or(a, 0, "item", Value()));
         return Value::none();
       }},
      {"extend", [](Renderer& r, const Value& l, const CallArgs& a) {
         const List more = iterate(arg_or(a, 0, "iterable", Value()));
         r.step(more.size());
         l.list().insert(l.list().end(), more.begin(), more.end());
         return Value::none();
       }},
      {"insert", [](Renderer& r, const Value& l, const CallArgs& a) {
         r.step();
         const auto n = static_cast<int64_t>(l.list().size());
         int64_t i = int_arg(a, 0, "index", 0);
         i = std::clamp<int64_t>(i < 0 ? i + n : i, 0, n);
         l.list().insert(l.list().begin() + i, arg_or(a, 1, "item", Value()));
         return Value::none();
       }},
      {"pop", [](Renderer&, const Value& l, const CallArgs& a) {
         if (l.list().empty()) fail("pop from empty list");
         const size_t i = list_index(l, a, -1);
         Value out = l.list()[i];
         l.list().erase(l.list().begin() + static_cast<std::ptrdiff_t>(i));
         return out;
       }},
      {"index", [](Renderer&, const Value& l, const CallArgs& a) {
         const Value& x = arg_or(a, 0, "value", Value());
         for (size_t i = 0; i < l.list().size(); ++i) {
           if (l.list()[i] == x) return Value(static_cast<int64_t>(i));
         }
         fail("list.index(x): " + x.repr() + " is not in list");
       }},
      {"count", [](Renderer&, const Value& l, const CallArgs& a) {
         const Value& x = arg_or(a, 0, "value", Value());
         return Value(static_cast<int64_t>(std::count(l.list().begin(), l.list().end(), x)));
       }},
      {"copy", [](Renderer&, const Value& l, const CallArgs&) { return Value(l.list()); }},
  };
  return table;
}

const std::unordered_map<std::string, MethodFn>* methods_for(const Value& v) {
  if (v.is_string()) return &string_methods();
  if (v.is_dict()) return &dict_methods();
  if (v.is_list()) return &list_methods();
  return nullptr;
}

}  // namespace

bool has_method(const Value& obj, const std::string& name) {
  const auto* table = methods_for(obj);
  return table && table->count(name) != 0;
}

Value call_method(Renderer& r, const Value& obj, const std::string& name, const CallArgs& args) {
  const auto* table = methods_for(obj);
  const auto it = table ? table->find(name) : decltype(table->end()){};
  if (!table || it == table->end()) fail("'" + obj.type_name() + "' object has no method '" + name + "'");
  return it->second(r, obj, args);
}

}  // namespace hearth::jinja
