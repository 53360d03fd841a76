// Built-in filters: one table from name to function, Jinja2's argument names.
#include <algorithm>
#include <cmath>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "chat/jinja/renderer.h"
#include "chat/jinja/strings.h"
#include "chat/jinja/utf8.h"

namespace hearth::jinja {

// ---- argument helpers (shared with tests.cpp and methods.cpp) -----------------

const Value& arg_or(const CallArgs& args, size_t index, std::string_view name, const Value& fallback) {
  const Value* v = args.get(index, name);
  return v ? *v : fallback;
}

int64_t int_arg(const CallArgs& args, size_t index, std::string_view name, int64_t fallback) {
  const Value* v = args.get(index, name);
  if (!v || v->is_none()) return fallback;
  if (v->is_bool()) return v->as_bool() ? 1 : 0;
  if (!v->is_int()) fail("argument '" + std::string(name) + "' must be an integer, not " + v->type_name());
  return v->as_int();
}

std::string string_arg(const CallArgs& args, size_t index, std::string_view name, const std::string& fallback) {
  const Value* v = args.get(index, name);
  if (!v || v->is_none()) return fallback;
  if (!v->is_string()) fail("argument '" + std::string(name) + "' must be a string, not " + v->type_name());
  return v->as_string();
}

bool bool_arg(const CallArgs& args, size_t index, std::string_view name, bool fallback) {
  const Value* v = args.get(index, name);
  return v ? v->truthy() : fallback;
}

namespace {

using FilterFn = Value (*)(Renderer&, const Value&, const CallArgs&);

std::optional<std::string> opt_string_arg(const CallArgs& args, size_t index, std::string_view name) {
  const Value* v = args.get(index, name);
  if (!v || v->is_none()) return std::nullopt;
  return string_arg(args, index, name, "");
}

const std::string& need_string(const Value& v, std::string_view filter) {
  if (!v.is_string()) fail("filter '" + std::string(filter) + "' needs a string, got " + v.type_name());
  return v.as_string();
}

// Dotted attribute path ("a.b" or "0") as map/sort/selectattr use it.
Value attr_path(Renderer& r, Value v, const std::string& path) {
  for (const std::string& part : py::split(path, std::string("."), -1, false)) {
    const auto index = py::parse_index(part);
    v = index ? get_item(r, v, Value(*index)) : get_item(r, v, Value(part));
  }
  return v;
}

// Key for sort/unique/dictsort: lower-cased strings unless case-sensitive.
Value sort_key(const Value& v, bool case_sensitive) {
  return v.is_string() && !case_sensitive ? Value(py::lower(v.as_string())) : v;
}

List sorted(Renderer& r, const Value& in, const CallArgs& args) {
  List items = iterate(in);
  r.step(items.size());
  const bool reverse = bool_arg(args, 0, "reverse", false);
  const bool cs = bool_arg(args, 1, "case_sensitive", false);
  const std::string attr = string_arg(args, 2, "attribute", "");
  std::stable_sort(items.begin(), items.end(), [&](const Value& a, const Value& b) {
    const Value ka = sort_key(attr.empty() ? a : attr_path(r, a, attr), cs);
    const Value kb = sort_key(attr.empty() ? b : attr_path(r, b, attr), cs);
    return reverse ? less_than(kb, ka) : less_than(ka, kb);
  });
  return items;
}

Value f_tojson(Renderer& r, const Value& in, const CallArgs& args) {
  JsonStyle st;
  st.indent = static_cast<int>(std::clamp<int64_t>(int_arg(args, 0, "indent", -1), -1, 64));
  st.ensure_ascii = bool_arg(args, 1, "ensure_ascii", false);
  if (const Value* sep = args.get(2, "separators"); sep && sep->is_list() && sep->list().size() == 2) {
    st.item_sep = sep->list()[0].str();
    st.key_sep = sep->list()[1].str();
  }
  st.sort_keys = bool_arg(args, 3, "sort_keys", false);
  std::string out = to_json(in, st);
  r.check_size(out.size());
  return Value(std::move(out));
}

Value f_length(Renderer&, const Value& in, const CallArgs&) {
  switch (in.kind()) {
    case Kind::String: return Value(static_cast<int64_t>(utf8::length(in.as_string())));
    case Kind::Array: return Value(static_cast<int64_t>(in.list().size()));
    case Kind::Dict: return Value(static_cast<int64_t>(in.dict().items.size()));
    case Kind::Undefined: return Value(int64_t{0});
    default: fail("object of type '" + in.type_name() + "' has no length");
  }
}

Value f_join(Renderer& r, const Value& in, const CallArgs& args) {
  const std::string sep = string_arg(args, 0, "d", "");
  const std::string attr = string_arg(args, 1, "attribute", "");
  std::string out;
  bool first = true;
  for (const Value& v : iterate(in)) {
    if (!first) out += sep;
    first = false;
    out += (attr.empty() ? v : attr_path(r, v, attr)).str();
    r.check_size(out.size());
  }
  return Value(std::move(out));
}

Value f_default(Renderer&, const Value& in, const CallArgs& args) {
  const bool boolean = bool_arg(args, 1, "boolean", false);
  if (in.is_undefined() || (boolean && !in.truthy())) return arg_or(args, 0, "default_value", Value(std::string()));
  return in;
}

Value f_map(Renderer& r, const Value& in, const CallArgs& args) {
  List out;
  const Value* attr = args.get(static_cast<size_t>(-1), "attribute");
  for (const Value& v : iterate(in)) {
    r.step();
    if (attr) {
      Value got = attr_path(r, v, attr->str());
      if (got.is_undefined()) {
        if (const Value* d = args.get(static_cast<size_t>(-1), "default")) got = *d;
      }
      out.push_back(got);
    } else {
      if (args.positional.empty()) fail("map() needs a filter name or attribute=");
      CallArgs rest;
      rest.positional.assign(args.positional.begin() + 1, args.positional.end());
      rest.keyword = args.keyword;
      out.push_back(apply_filter(r, args.positional[0].str(), v, rest));
    }
  }
  return Value(std::move(out));
}

// select / reject / selectattr / rejectattr share this: keep items whose
// (attribute's) test result equals `keep`.
Value select_items(Renderer& r, const Value& in, const CallArgs& args, bool by_attr, bool keep) {
  size_t first_test_arg = 0;
  std::string attr;
  if (by_attr) {
    if (args.positional.empty()) fail("selectattr/rejectattr need an attribute name");
    attr = args.positional[0].str();
    first_test_arg = 1;
  }
  std::string test;
  CallArgs test_args;
  if (args.positional.size() > first_test_arg) {
    test = args.positional[first_test_arg].str();
    test_args.positional.assign(args.positional.begin() + static_cast<std::ptrdiff_t>(first_test_arg) + 1,
                                args.positional.end());
  }
  List out;
  for (const Value& v : iterate(in)) {
    r.step();
    const Value subject = by_attr ? attr_path(r, v, attr) : v;
    const bool ok = test.empty() ? subject.truthy() : apply_test(r, test, subject, test_args);
    if (ok == keep) out.push_back(v);
  }
  return Value(std::move(out));
}

Value f_items(Renderer& r, const Value& in, const CallArgs&) {
  if (in.is_undefined()) return Value(List{});
  if (!in.is_dict()) fail("items filter needs a mapping, got " + in.type_name());
  List out;
  for (const auto& [k, v] : in.dict().items) {
    r.step();
    out.emplace_back(List{k, v});
  }
  return Value(std::move(out));
}

Value f_dictsort(Renderer& r, const Value& in, const CallArgs& args) {
  Value items = f_items(r, in, {});
  const bool cs = bool_arg(args, 0, "case_sensitive", false);
  const bool by_value = string_arg(args, 1, "by", "key") == "value";
  const bool reverse = bool_arg(args, 2, "reverse", false);
  List& l = items.list();
  std::stable_sort(l.begin(), l.end(), [&](const Value& a, const Value& b) {
    const Value ka = sort_key(a.list()[by_value ? 1 : 0], cs);
    const Value kb = sort_key(b.list()[by_value ? 1 : 0], cs);
    return reverse ? less_than(kb, ka) : less_than(ka, kb);
  });
  return items;
}

Value f_int(Renderer&, const Value& in, const CallArgs& args) {
  const int64_t fallback = int_arg(args, 0, "default", 0);
  if (in.is_int()) return in;
  if (in.is_bool()) return Value(int64_t{in.as_bool()});
  if (in.is_float()) {
    const double f = in.as_number();
    if (!std::isfinite(f) || std::fabs(f) >= 9.2e18) return Value(fallback);
    return Value(static_cast<int64_t>(f));
  }
  if (in.is_string()) {
    const std::string s = py::strip(in.as_string(), std::nullopt, py::Side::Both);
    char* end = nullptr;
    errno = 0;
    const long long v = std::strtoll(s.c_str(), &end, 10);
    if (!s.empty() && end && *end == '\0' && errno == 0) return Value(static_cast<int64_t>(v));
    const double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && end && *end == '\0' && std::isfinite(d) && std::fabs(d) < 9.2e18) return Value(static_cast<int64_t>(d));
  }
  return Value(fallback);
}

Value f_float(Renderer&, const Value& in, const CallArgs& args) {
  const Value fallback = arg_or(args, 0, "default", Value(0.0));
  if (in.is_number() || in.is_bool()) return Value(in.as_number());
  if (in.is_string()) {
    const std::string s = py::strip(in.as_string(), std::nullopt, py::Side::Both);
    char* end = nullptr;
    const double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && end && *end == '\0') return Value(d);
  }
  return fallback;
}

Value f_round(Renderer&, const Value& in, const CallArgs& args) {
  if (!in.is_number() && !in.is_bool()) fail("round filter needs a number, got " + in.type_name());
  const int64_t precision = std::clamp<int64_t>(int_arg(args, 0, "precision", 0), -20, 20);
  const std::string method = string_arg(args, 1, "method", "common");
  const double scale = std::pow(10.0, static_cast<double>(precision));
  const double x = in.as_number() * scale;
  double r = 0;
  if (method == "common") r = std::round(x);
  else if (method == "ceil") r = std::ceil(x);
  else if (method == "floor") r = std::floor(x);
  else fail("round method must be 'common', 'ceil' or 'floor'");
  return Value(r / scale);
}

Value f_unique(Renderer& r, const Value& in, const CallArgs& args) {
  const bool cs = bool_arg(args, 0, "case_sensitive", false);
  const std::string attr = string_arg(args, 1, "attribute", "");
  List out, keys;
  for (const Value& v : iterate(in)) {
    r.step(keys.size() + 1);
    const Value k = sort_key(attr.empty() ? v : attr_path(r, v, attr), cs);
    if (std::find(keys.begin(), keys.end(), k) != keys.end()) continue;
    keys.push_back(k);
    out.push_back(v);
  }
  return Value(std::move(out));
}

Value f_reverse(Renderer& r, const Value& in, const CallArgs&) {
  if (in.is_string()) {
    auto cps = utf8::decode(in.as_string());
    std::reverse(cps.begin(), cps.end());
    return Value(utf8::encode(cps));
  }
  List l = iterate(in);
  r.step(l.size());
  std::reverse(l.begin(), l.end());
  return Value(std::move(l));
}

Value f_escape(Renderer&, const Value& in, const CallArgs&) {
  std::string out;
  for (char c : in.str()) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return Value(std::move(out));
}

Value f_indent(Renderer& r, const Value& in, const CallArgs& args) {
  const Value& w = arg_or(args, 0, "width", Value(int64_t{4}));
  const std::string pad = w.is_string() ? w.as_string() : std::string(static_cast<size_t>(std::clamp<int64_t>(w.is_int() ? w.as_int() : 4, 0, 1024)), ' ');
  const bool first = bool_arg(args, 1, "first", false);
  const bool blank = bool_arg(args, 2, "blank", false);
  const std::string& s = need_string(in, "indent");
  std::string out;
  bool at_line_start = true;
  bool is_first_line = true;
  for (size_t i = 0; i < s.size(); ++i) {
    if (at_line_start) {
      const bool empty_line = s[i] == '\n';
      if ((!is_first_line || first) && (blank || !empty_line)) out += pad;
      at_line_start = false;
    }
    out += s[i];
    if (s[i] == '\n') {
      at_line_start = true;
      is_first_line = false;
    }
    r.check_size(out.size());
  }
  if (at_line_start && !s.empty() && blank) out += pad;
  return Value(std::move(out));
}

Value f_batch(Renderer& r, const Value& in, const CallArgs& args) {
  const int64_t size = int_arg(args, 0, "linecount", 1);
  if (size <= 0) fail("batch size must be positive");
  const Value* fill = args.get(1, "fill_with");
  List out, cur;
  for (const Value& v : iterate(in)) {
    r.step();
    cur.push_back(v);
    if (static_cast<int64_t>(cur.size()) == size) {
      out.emplace_back(std::move(cur));
      cur = {};
    }
  }
  if (!cur.empty()) {
    while (fill && !fill->is_none() && static_cast<int64_t>(cur.size()) < size) cur.push_back(*fill);
    out.emplace_back(std::move(cur));
  }
  return Value(std::move(out));
}

Value min_max(Renderer& r, const Value& in, const CallArgs& args, bool want_max) {
  const bool cs = bool_arg(args, 0, "case_sensitive", false);
  const std::string attr = string_arg(args, 1, "attribute", "");
  const List items = iterate(in);
  r.step(items.size());
  if (items.empty()) return Value::undefined("min/max of an empty sequence");
  size_t best = 0;
  for (size_t i = 1; i < items.size(); ++i) {
    const Value a = sort_key(attr.empty() ? items[i] : attr_path(r, items[i], attr), cs);
    const Value b = sort_key(attr.empty() ? items[best] : attr_path(r, items[best], attr), cs);
    if (want_max ? less_than(b, a) : less_than(a, b)) best = i;
  }
  return items[best];
}

Value f_sum(Renderer& r, const Value& in, const CallArgs& args) {
  const std::string attr = string_arg(args, 0, "attribute", "");
  Value total = arg_or(args, 1, "start", Value(int64_t{0}));
  for (const Value& v : iterate(in)) {
    r.step();
    const Value x = attr.empty() ? v : attr_path(r, v, attr);
    if (!(x.is_number() || x.is_bool()) || !(total.is_number() || total.is_bool())) fail("sum needs numbers");
    if (x.is_int() && total.is_int()) {
      int64_t s = 0;
      if (__builtin_add_overflow(total.as_int(), x.as_int(), &s)) fail("integer overflow");
      total = Value(s);
    } else {
      total = Value(total.as_number() + x.as_number());
    }
  }
  return total;
}

Value f_from_json(Renderer&, const Value& in, const CallArgs&) {
  const std::string& text = need_string(in, "from_json");
  const auto j = nlohmann::ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) fail("from_json: not valid JSON: " + Value(text.substr(0, 80)).repr());
  return Value::from_json(j);
}

Value f_wordcount(Renderer&, const Value& in, const CallArgs&) {
  return Value(static_cast<int64_t>(py::split(in.str(), std::nullopt, -1, false).size()));
}

const std::unordered_map<std::string, FilterFn>& filters() {
  static const std::unordered_map<std::string, FilterFn> table = {
      {"tojson", f_tojson},
      {"length", f_length},
      {"count", f_length},
      {"join", f_join},
      {"default", f_default},
      {"d", f_default},
      {"map", f_map},
      {"items", f_items},
      {"dictsort", f_dictsort},
      {"int", f_int},
      {"float", f_float},
      {"round", f_round},
      {"unique", f_unique},
      {"reverse", f_reverse},
      {"escape", f_escape},
      {"e", f_escape},
      {"forceescape", f_escape},
      {"indent", f_indent},
      {"batch", f_batch},
      {"sum", f_sum},
      {"wordcount", f_wordcount},
      {"from_json", f_from_json},
      {"trim", [](Renderer&, const Value& in, const CallArgs& a) {
         return Value(py::strip(in.str(), opt_string_arg(a, 0, "chars"), py::Side::Both));
       }},
      {"upper", [](Renderer&, const Value& in, const CallArgs&) { return Value(py::upper(in.str())); }},
      {"lower", [](Renderer&, const Value& in, const CallArgs&) { return Value(py::lower(in.str())); }},
      {"capitalize", [](Renderer&, const Value& in, const CallArgs&) { return Value(py::capitalize(in.str())); }},
      {"title", [](Renderer&, const Value& in, const CallArgs&) { return Value(py::title(in.str())); }},
      {"string", [](Renderer&, const Value& in, const CallArgs&) { return Value(in.str()); }},
      {"safe", [](Renderer&, const Value& in, const CallArgs&) { return in; }},
      {"list", [](Renderer& r, const Value& in, const CallArgs&) {
         List l = iterate(in);
         r.step(l.size());
         return Value(std::move(l));
       }},
      {"first", [](Renderer&, const Value& in, const CallArgs&) {
         const List l = iterate(in);
         return l.empty() ? Value::undefined("first of an empty sequence") : l.front();
       }},
      {"last", [](Renderer&, const Value& in, const CallArgs&) {
         const List l = iterate(in);
         return l.empty() ? Value::undefined("last of an empty sequence") : l.back();
       }},
      {"replace", [](Renderer& r, const Value& in, const CallArgs& a) {
         std::string out = py::replace(in.str(), string_arg(a, 0, "old", ""), string_arg(a, 1, "new", ""),
                                       int_arg(a, 2, "count", -1));
         r.check_size(out.size());
         return Value(std::move(out));
       }},
      {"abs", [](Renderer&, const Value& in, const CallArgs&) {
         if (in.is_int()) {
           if (in.as_int() == INT64_MIN) fail("integer overflow");
           return Value(in.as_int() < 0 ? -in.as_int() : in.as_int());
         }
         if (!in.is_number()) fail("abs needs a number, got " + in.type_name());
         return Value(std::fabs(in.as_number()));
       }},
      {"sort", [](Renderer& r, const Value& in, const CallArgs& a) { return Value(sorted(r, in, a)); }},
      {"select", [](Renderer& r, const Value& in, const CallArgs& a) { return select_items(r, in, a, false, true); }},
      {"reject", [](Renderer& r, const Value& in, const CallArgs& a) { return select_items(r, in, a, false, false); }},
      {"selectattr", [](Renderer& r, const Value& in, const CallArgs& a) { return select_items(r, in, a, true, true); }},
      {"rejectattr", [](Renderer& r, const Value& in, const CallArgs& a) { return select_items(r, in, a, true, false); }},
      {"min", [](Renderer& r, const Value& in, const CallArgs& a) { return min_max(r, in, a, false); }},
      {"max", [](Renderer& r, const Value& in, const CallArgs& a) { return min_max(r, in, a, true); }},
      {"attr", [](Renderer& r, const Value& in, const CallArgs& a) { return get_attr(r, in, string_arg(a, 0, "name", "")); }},
  };
  return table;
}

}  // namespace

bool is_filter(const std::string& name) { return filters().count(name) != 0; }

Value apply_filter(Renderer& r, const std::string& name, const Value& input, const CallArgs& args) {
  const auto it = filters().find(name);
  if (it == filters().end()) fail("unknown filter '" + name + "'");
  return it->second(r, input, args);
}

}  // namespace hearth::jinja
