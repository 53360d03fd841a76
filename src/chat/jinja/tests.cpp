// Built-in tests (`x is name(args)`): one table from name to predicate.
#include <cmath>
#include <unordered_map>

#include "chat/jinja/renderer.h"
#include "chat/jinja/strings.h"

namespace hearth::jinja {

namespace {

using TestFn = bool (*)(const Value&, const CallArgs&);

const Value& first_arg(const CallArgs& a, std::string_view test) {
  if (a.positional.empty()) fail("test '" + std::string(test) + "' needs an argument");
  return a.positional[0];
}

bool compare(const Value& v, const CallArgs& a, std::string_view test, int want) {
  const Value& other = first_arg(a, test);
  if (want == 0) return v == other;
  return want < 0 ? less_than(v, other) : less_than(other, v);
}

const std::unordered_map<std::string, TestFn>& tests() {
  static const std::unordered_map<std::string, TestFn> table = {
      {"defined", [](const Value& v, const CallArgs&) { return !v.is_undefined(); }},
      {"undefined", [](const Value& v, const CallArgs&) { return v.is_undefined(); }},
      {"none", [](const Value& v, const CallArgs&) { return v.is_none(); }},
      {"boolean", [](const Value& v, const CallArgs&) { return v.is_bool(); }},
      {"true", [](const Value& v, const CallArgs&) { return v.is_bool() && v.as_bool(); }},
      {"false", [](const Value& v, const CallArgs&) { return v.is_bool() && !v.as_bool(); }},
      {"string", [](const Value& v, const CallArgs&) { return v.is_string(); }},
      {"number", [](const Value& v, const CallArgs&) { return v.is_number(); }},
      {"integer", [](const Value& v, const CallArgs&) { return v.is_int(); }},
      {"float", [](const Value& v, const CallArgs&) { return v.is_float(); }},
      {"mapping", [](const Value& v, const CallArgs&) { return v.is_dict(); }},
      {"iterable", [](const Value& v, const CallArgs&) { return v.is_list() || v.is_dict() || v.is_string(); }},
      {"sequence", [](const Value& v, const CallArgs&) { return v.is_list() || v.is_dict() || v.is_string(); }},
      {"callable", [](const Value& v, const CallArgs&) { return v.is_callable(); }},
      {"lower", [](const Value& v, const CallArgs&) { return v.is_string() && py::lower(v.as_string()) == v.as_string(); }},
      {"upper", [](const Value& v, const CallArgs&) { return v.is_string() && py::upper(v.as_string()) == v.as_string(); }},
      {"even", [](const Value& v, const CallArgs&) {
         if (!v.is_int()) fail("test 'even' needs an integer, got " + v.type_name());
         return v.as_int() % 2 == 0;
       }},
      {"odd", [](const Value& v, const CallArgs&) {
         if (!v.is_int()) fail("test 'odd' needs an integer, got " + v.type_name());
         return v.as_int() % 2 != 0;
       }},
      {"divisibleby", [](const Value& v, const CallArgs& a) {
         const Value& d = first_arg(a, "divisibleby");
         if (!v.is_int() || !d.is_int()) fail("test 'divisibleby' needs integers");
         if (d.as_int() == 0) fail("divisibleby 0");
         return d.as_int() == -1 || v.as_int() % d.as_int() == 0;
       }},
      {"sameas", [](const Value& v, const CallArgs& a) {
         const Value& o = first_arg(a, "sameas");
         // Identity: singletons compare by kind and value, containers by object.
         if (v.kind() != o.kind()) return false;
         if (v.is_list()) return &v.list() == &o.list();
         if (v.is_dict()) return &v.dict() == &o.dict();
         return v == o;
       }},
      {"in", [](const Value& v, const CallArgs& a) {
         const Value& c = first_arg(a, "in");
         for (const Value& x : iterate(c)) {
           if (x == v) return true;
         }
         return c.is_string() && v.is_string() && c.as_string().find(v.as_string()) != std::string::npos;
       }},
      {"equalto", [](const Value& v, const CallArgs& a) { return compare(v, a, "equalto", 0); }},
      {"eq", [](const Value& v, const CallArgs& a) { return compare(v, a, "eq", 0); }},
      {"==", [](const Value& v, const CallArgs& a) { return compare(v, a, "==", 0); }},
      {"ne", [](const Value& v, const CallArgs& a) { return !compare(v, a, "ne", 0); }},
      {"!=", [](const Value& v, const CallArgs& a) { return !compare(v, a, "!=", 0); }},
      {"lt", [](const Value& v, const CallArgs& a) { return compare(v, a, "lt", -1); }},
      {"lessthan", [](const Value& v, const CallArgs& a) { return compare(v, a, "lessthan", -1); }},
      {"gt", [](const Value& v, const CallArgs& a) { return compare(v, a, "gt", 1); }},
      {"greaterthan", [](const Value& v, const CallArgs& a) { return compare(v, a, "greaterthan", 1); }},
      {"le", [](const Value& v, const CallArgs& a) { return !compare(v, a, "le", 1); }},
      {"ge", [](const Value& v, const CallArgs& a) { return !compare(v, a, "ge", -1); }},
  };
  return table;
}

}  // namespace

bool is_test(const std::string& name) { return tests().count(name) != 0; }

bool apply_test(Renderer&, const std::string& name, const Value& input, const CallArgs& args) {
  const auto it = tests().find(name);
  if (it == tests().end()) fail("unknown test '" + name + "'");
  return it->second(input, args);
}

}  // namespace hearth::jinja
