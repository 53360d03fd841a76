// Internal to the interpreter: the tree-walking renderer and the tables of
// built-in filters, tests and methods it calls into.
#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "chat/jinja/ast.h"
#include "chat/jinja/limits.h"
#include "chat/jinja/value.h"

namespace hearth::jinja {

// Thrown by built-ins that do not know where they are; the renderer turns it
// into a TemplateError carrying the line and column of the expression.
class EvalError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
[[noreturn]] void fail(const std::string& what);

struct Scope {
  std::unordered_map<std::string, Value> vars;
  std::shared_ptr<Scope> parent;
};

class Renderer {
 public:
  Renderer(const Limits& limits, const Dict& context);

  std::string render(const Body& body);
  Value eval(const Expr& e);
  Value call(const Value& callee, const CallArgs& args);
  // Counts work against Limits::max_steps (loop iterations, built elements).
  void step(uint64_t n = 1);
  // Fails when a string being built would exceed the output limit.
  void check_size(size_t bytes) const;
  const Limits& limits() const { return limits_; }

 private:
  enum class Flow { Normal, Break, Continue };

  Flow exec(const Body& body);
  Flow exec_node(const Node& n);
  Flow exec_for(const Node& n);
  void exec_set(const Node& n);
  void exec_macro_def(const Node& n);
  std::string eval_call_block(const Node& n);
  std::string capture(const Body& body);
  void write(const std::string& s);

  Value eval_inner(const Expr& e);
  Value eval_binary(const Expr& e);
  Value eval_call(const Expr& e, const Value* caller);
  Value eval_filter(const Expr& e, const Value* input);
  CallArgs eval_args(const Expr& e);
  Value lookup(const std::string& name) const;
  void assign(const std::string& name, Value v);
  void unpack(const std::vector<std::string>& names, const Value& v);
  Value call_macro(const Node& macro, const std::weak_ptr<Scope>& closure, const CallArgs& args);

  const Limits& limits_;
  std::shared_ptr<Scope> scope_;
  // Scopes captured by macros. Macros hold them weakly (a scope holds its
  // macros, so strong captures would be a cycle); the renderer keeps them alive.
  std::vector<std::shared_ptr<Scope>> closures_;
  std::string* out_ = nullptr;
  uint64_t steps_ = 0;
  int call_depth_ = 0;
};

// Attribute and item access with Jinja's forgiving rules: a missing key,
// index or attribute gives Undefined; dict/list/str methods give bound callables.
Value get_attr(Renderer& r, const Value& obj, const std::string& name);
Value get_item(Renderer& r, const Value& obj, const Value& key);
Value slice(const Value& obj, const Value& start, const Value& stop, const Value& step);
// The elements a for loop / filter sees: list items, dict keys, string chars;
// Undefined iterates as empty. Fails for anything else.
List iterate(const Value& v);
// Python ordering for sort/min/max/comparisons; fails for mixed kinds.
bool less_than(const Value& a, const Value& b);

// filters.cpp, tests.cpp, methods.cpp
bool is_filter(const std::string& name);
Value apply_filter(Renderer& r, const std::string& name, const Value& input, const CallArgs& args);
bool is_test(const std::string& name);
bool apply_test(Renderer& r, const std::string& name, const Value& input, const CallArgs& args);
bool has_method(const Value& obj, const std::string& name);
Value call_method(Renderer& r, const Value& obj, const std::string& name, const CallArgs& args);

// Argument helpers for built-ins: the value or a default; type-checked reads.
const Value& arg_or(const CallArgs& args, size_t index, std::string_view name, const Value& fallback);
int64_t int_arg(const CallArgs& args, size_t index, std::string_view name, int64_t fallback);
std::string string_arg(const CallArgs& args, size_t index, std::string_view name, const std::string& fallback);
bool bool_arg(const CallArgs& args, size_t index, std::string_view name, bool fallback);

}  // namespace hearth::jinja
